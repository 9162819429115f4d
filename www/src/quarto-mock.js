// The example page's stand-in for Quarto's colour-scheme toggle: like Quarto, it swaps the body's
// quarto-light / quarto-dark classes and fires no event (the embeds notice through a MutationObserver).
const toggle = document.querySelector('.quarto-color-scheme-toggle');
toggle?.addEventListener('click', () => {
  const dark = !document.body.classList.contains('quarto-dark');
  document.body.classList.toggle('quarto-dark', dark);
  document.body.classList.toggle('quarto-light', !dark);
  toggle.setAttribute('aria-pressed', String(dark));
});
