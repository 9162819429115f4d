// The engine's early start: a tiny entry that the build (vite.config.js, plugin "early-engine")
// puts in index.html and embed.html as an async module script ahead of the page's own. It starts
// the engine worker and the lite module's compile as soon as it and engine.js arrive, instead of
// after the page's bundle (main.js and every panel) has loaded and run; main.js then finds the
// same engine already starting.
import { engine } from './engine.js';

performance.mark('engine-start'); // read by make bench (the cold load's breakdown)
engine();
