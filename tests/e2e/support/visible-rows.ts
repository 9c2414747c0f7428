// Run inside the panel (`panel.evaluate(visibleRowTexts)`): the texts of the
// rows of the event list inside both its scroll area and the window, top to
// bottom: the rows a user of a docked panel actually sees.
export function visibleRowTexts(): string[] {
  const scroller = document.querySelector('[data-testid="events"]');
  if (!scroller) return [];
  const area = scroller.getBoundingClientRect();
  const bottom = Math.min(area.bottom, window.innerHeight);
  return [...scroller.querySelectorAll('tbody tr')]
    .filter((tr) => {
      const r = tr.getBoundingClientRect();
      return r.height > 0 && r.top >= area.top - 1 && r.bottom <= bottom + 1;
    })
    .map((tr) => tr.textContent ?? '');
}
