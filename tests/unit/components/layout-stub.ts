// jsdom has no layout: give the event list's scroll container a viewport size
// (and a scroll height from its content) so the virtualiser has rows to show.

const VIEWPORT = 400;

export function stubListLayout(): () => void {
  const proto = HTMLElement.prototype;
  const saved = {
    clientHeight: Object.getOwnPropertyDescriptor(proto, 'clientHeight'),
    clientWidth: Object.getOwnPropertyDescriptor(proto, 'clientWidth'),
    scrollHeight: Object.getOwnPropertyDescriptor(proto, 'scrollHeight'),
  };
  const isList = (el: HTMLElement) => el.classList.contains('event-scroll');
  Object.defineProperty(proto, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return isList(this) ? VIEWPORT : 0;
    },
  });
  Object.defineProperty(proto, 'clientWidth', {
    configurable: true,
    get(this: HTMLElement) {
      return isList(this) ? 800 : 0;
    },
  });
  Object.defineProperty(proto, 'scrollHeight', {
    configurable: true,
    get(this: HTMLElement) {
      const inner = this.firstElementChild as HTMLElement | null;
      return isList(this) && inner ? Number.parseFloat(inner.style.height) || 0 : 0;
    },
  });
  return () => {
    for (const [k, d] of Object.entries(saved)) if (d) Object.defineProperty(proto, k, d);
  };
}
