// Run inside the panel (`panel.evaluate(visibleRowCount)`): how many rows of
// the event list are inside both its scroll area and the window, the rows a
// user of a docked panel actually sees.
export function visibleRowCount(): number {
  const scroller = document.querySelector('[data-testid="events"]');
  if (!scroller) return 0;
  const area = scroller.getBoundingClientRect();
  const bottom = Math.min(area.bottom, window.innerHeight);
  return [...scroller.querySelectorAll('tbody tr')].filter((tr) => {
    const r = tr.getBoundingClientRect();
    return r.height > 0 && r.top >= area.top - 1 && r.bottom <= bottom + 1;
  }).length;
}
