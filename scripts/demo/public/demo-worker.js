// The demo's Web Worker: a heartbeat fetch every 3 s, reported to the page.
// Wirescope's page hook cannot reach a worker, so this traffic is not in the
// timeline; in DevTools the panel lists it under "Seen only by DevTools".
let beat = 0;
async function tick() {
  beat += 1;
  try {
    const res = await fetch(`/api/worker-heartbeat?beat=${beat}`);
    postMessage({ ok: true, body: await res.json() });
  } catch (err) {
    postMessage({ ok: false, error: String(err) });
  }
}
tick();
setInterval(tick, 3000);
