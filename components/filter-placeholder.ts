// The filter box's placeholder: the longest hint of the filter language that
// fits the box as it is laid out (docked at a side the box is a third of a
// roomy one), so the hint is never cut mid-word. The whole syntax is in the
// box's tooltip.

/** Hints from the fullest to the shortest. */
export const FILTER_PLACEHOLDERS = [
  'Filter: text  /regex/  transport:ws  dir:in  size>1k  status:404  -exclude',
  'Filter: text  /regex/  status:404  -exclude',
  'Filter: text  key:value  -exclude',
  'Filter',
] as const;

export const FILTER_SYNTAX =
  'Filter events: text, "two words", /regex/i, transport:ws,sse, dir:in, type:close, status:404 or 4xx, size>1k, url:/api/, method:POST, conn:3, proto:stomp, event:chat, topic:sensors/#, op:GetUser, latency>200ms, unanswered; a leading - excludes';

/**
 * The fullest hint whose text fits `room` px (the box's width less its
 * padding) as `textWidth` measures it; the shortest while the room is unknown (0).
 */
export function placeholderFor(room: number, textWidth: (text: string) => number): string {
  const shortest = FILTER_PLACEHOLDERS[FILTER_PLACEHOLDERS.length - 1] as string;
  if (!(room > 0)) return shortest;
  return FILTER_PLACEHOLDERS.find((hint) => textWidth(hint) <= room) ?? shortest;
}

let context: OffscreenCanvasRenderingContext2D | null | undefined;

/**
 * Width of `text` in `font` (a computed CSS font). Where no canvas can
 * measure (jsdom), an estimate of 7 px a character: too wide rather than too narrow.
 */
export function measureText(text: string, font: string): number {
  if (context === undefined)
    context = typeof OffscreenCanvas === 'undefined' ? null : new OffscreenCanvas(1, 1).getContext('2d');
  if (!context) return text.length * 7;
  context.font = font;
  return context.measureText(text).width;
}

/** Room for text inside an input: its content box. */
export function inputTextRoom(input: HTMLInputElement): number {
  const style = getComputedStyle(input);
  const padding = Number.parseFloat(style.paddingLeft) + Number.parseFloat(style.paddingRight);
  return input.clientWidth - (Number.isFinite(padding) ? padding : 0);
}
