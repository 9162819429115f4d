// The page's glue: loads the WASM core, shows what it computes, keeps a note in IndexedDB.
import init, { version, dataFingerprint, KvStore } from '../pkg/mlops_loop.js';

const $ = (id) => document.getElementById(id);

async function main() {
  await init();
  $('version').textContent = version();
  $('wasm-value').textContent = dataFingerprint('1', '0.0', 3000);
  const kv = await KvStore.open('mlops-loop');
  const show = async () => { $('saved').textContent = (await kv.getText('note')) ?? '(none)'; };
  $('note-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await kv.putText('note', $('note').value);
      await show();
    } catch (e) {
      $('saved').textContent = `not saved: ${e.message ?? e}`;
    }
  });
  await show();
  document.body.dataset.ready = '1';
}

main().catch((e) => {
  document.body.dataset.ready = 'error';
  const p = document.createElement('p');
  p.role = 'alert';
  p.textContent = `The engine failed to start: ${e.message ?? e}`;
  $('main').prepend(p);
});
