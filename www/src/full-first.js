// Panels whose first call needs the full WASM module (the timeline runs the loop as it mounts):
// a page opened on one of them starts its engine on the full module at once, and never fetches the
// lite one for its first load. One home for both readers: engine.js imports it, and the build
// (vite.config.js, plugin "early-engine") writes it into the `data-full` attribute of the pages'
// inline script (www/src/early.js), which picks the module to fetch before any other script runs.
export const FULL_FIRST = ['timeline'];
