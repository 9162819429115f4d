// The engine worker for a page that starts on the full module (engine.js, FULL_FIRST): worker.js
// with the full module's glue imported statically, so that the build puts both into this one
// script. Started from worker.js alone, such a worker fetched the glue only once its own script
// ran, and then waited for it after the page's compiled module had arrived.
import '../pkg/mlops_loop.js';
import './worker.js';
