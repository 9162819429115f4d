// Every dedicated worker of the page starts here, so that the page's Content-Security-Policy holds
// inside it on any host (SECURITY.md, "The policy in the workers"); early.js starts the pages'
// engine worker the same way, in its own copy of these lines (an inline script imports nothing).
//
// A worker started from its own URL gets the policy of *its own* HTTP response, not the page's:
// on a host that sends no CSP header (a plain static site), such a worker has no policy at all,
// whatever the page's <meta> tag says. A worker started from a `blob:` URL instead inherits the
// policy of the document that created it (HTML: "initialize worker policy container"), meta tag
// included. So the worker is a one-line blob module that imports the real (same-origin, built)
// script: the import, and everything the worker does afterwards, runs under the page's policy.

/**
 * Start a module worker from `url` (a same-origin script, e.g. from a `?worker&url` import) under
 * the page's policy.
 * @param {string|URL} url
 * @param {{name?: string}} opts
 */
export function startWorker(url, { name } = {}) {
  const abs = new URL(url, document.baseURI).href;
  const blob = new Blob([`import ${JSON.stringify(abs)};\n`], { type: 'text/javascript' });
  const src = URL.createObjectURL(blob);
  try {
    return new Worker(src, { type: 'module', name });
  } finally {
    // The worker has its script once it has been created; the blob URL is no longer needed.
    setTimeout(() => URL.revokeObjectURL(src), 60_000);
  }
}
