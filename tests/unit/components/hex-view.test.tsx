// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { HEX_PAGE, HexView, hexLineBytesFor } from '../../../components/HexView';
import { DEFAULT_SETTINGS } from '../../../components/settings';
import { bytesToBase64 } from '../../../lib/base64';
import { base64Prefix, hexDump, hexLineChars } from '../../../lib/format';

afterEach(cleanup);

describe('hexDump', () => {
  it('formats offset, two groups of eight and a text column', () => {
    const bytes = new TextEncoder().encode('Hello, binary\u0000\u0001world!');
    expect(hexDump(bytes).split('\n')).toEqual([
      '00000000  48 65 6c 6c 6f 2c 20 62  69 6e 61 72 79 00 01 77  |Hello, binary..w|',
      '00000010  6f 72 6c 64 21                                    |orld!|',
    ]);
  });
  it('is empty for no bytes', () => expect(hexDump(new Uint8Array(0))).toBe(''));
  it('wraps at 8 bytes a line, padding the last so the text column lines up', () => {
    const bytes = new TextEncoder().encode('Hello, binary!');
    const lines = hexDump(bytes, 8).split('\n');
    expect(lines).toEqual([
      '00000000  48 65 6c 6c 6f 2c 20 62  |Hello, b|',
      '00000008  69 6e 61 72 79 21        |inary!|',
    ]);
    expect(lines[0]).toHaveLength(hexLineChars(8));
    expect(hexDump(new Uint8Array(32)).split('\n')[0]).toHaveLength(hexLineChars(16));
  });
});

describe('base64Prefix', () => {
  it('decodes only the requested prefix', () => {
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => i % 256);
    const b64 = bytesToBase64(bytes);
    expect([...base64Prefix(b64, 10)]).toEqual([...bytes.slice(0, 10)]);
    expect(base64Prefix(b64, 5000)).toHaveLength(1000);
    expect(base64Prefix('ab=c', 10)).toHaveLength(0);
  });
});

describe('HexView', () => {
  it('shows the first page of a large binary payload and more on request', () => {
    const bytes = Uint8Array.from({ length: HEX_PAGE * 10 }, (_, i) => i % 256);
    render(<HexView base64={bytesToBase64(bytes)} />);
    const dump = screen.getByTestId('hex-dump');
    expect(dump.textContent?.split('\n')).toHaveLength(HEX_PAGE / 16);
    fireEvent.click(screen.getByRole('button', { name: /show more/ }));
    expect(screen.getByTestId('hex-dump').textContent?.split('\n')).toHaveLength((HEX_PAGE * 4) / 16);
  });
  it('dumps text payloads as UTF-8', () => {
    render(<HexView text="é" />);
    expect(screen.getByTestId('hex-dump').textContent).toContain('c3 a9');
  });
});

/** Character width of the dump's 11.5 px monospace font (0.6 em, as common monospace fonts). */
const CHAR_PX = 6.9;
/** The detail body's horizontal padding (panel.css). */
const BODY_PADDING = 16;

// jsdom has no layout: give the hex view a width and its probe a character width.
function stubHexLayout(width: number): () => void {
  const proto = HTMLElement.prototype;
  const clientWidth = Object.getOwnPropertyDescriptor(proto, 'clientWidth');
  const rect = proto.getBoundingClientRect;
  Object.defineProperty(proto, 'clientWidth', {
    configurable: true,
    get(this: HTMLElement) {
      return this.classList.contains('hex') ? width : 0;
    },
  });
  proto.getBoundingClientRect = function (this: HTMLElement) {
    const w = this.classList.contains('hex-probe') ? (this.textContent?.length ?? 0) * CHAR_PX : 0;
    return { width: w, height: 14, x: 0, y: 0, top: 0, left: 0, right: w, bottom: 14, toJSON() {} };
  };
  return () => {
    if (clientWidth) Object.defineProperty(proto, 'clientWidth', clientWidth);
    proto.getBoundingClientRect = rect;
  };
}

/** Bytes shown on a dump line, and its text column. */
function parseLine(line: string): { bytes: number; text: string } {
  const m = /^[0-9a-f]{8} {2}((?:[0-9a-f]{2} +)*)\|(.*)\|$/.exec(line);
  if (!m) throw new Error(`not a dump line: ${line}`);
  return { bytes: (m[1]?.match(/[0-9a-f]{2}/g) ?? []).length, text: m[2] ?? '' };
}

describe('HexView line width', () => {
  const message = 'The quick brown fox jumps over the lazy dog'; // 43 bytes
  let restoreLayout: (() => void) | null = null;
  afterEach(() => {
    restoreLayout?.();
    restoreLayout = null;
  });
  const dumpAt = (width: number) => {
    restoreLayout = stubHexLayout(width);
    render(<HexView base64={bytesToBase64(new TextEncoder().encode(message))} />);
    const dump = screen.getByTestId('hex-dump');
    return (dump.textContent ?? '').split('\n').map(parseLine);
  };

  it('wraps at 8 bytes at the default detail width, text column included', () => {
    const width = DEFAULT_SETTINGS.detailWidth - BODY_PADDING;
    // The premise: a 16-byte line would not fit the default pane.
    expect(hexLineChars(16) * CHAR_PX).toBeGreaterThan(width);
    const lines = dumpAt(width);
    expect(lines.map((l) => l.bytes)).toEqual([8, 8, 8, 8, 8, 3]);
    expect(lines.map((l) => l.text).join('')).toBe(message);
    expect(lines[0]?.text).toBe('The quic');
  });

  it('wraps at 16 bytes where they fit', () => {
    const lines = dumpAt(600);
    expect(lines.map((l) => l.bytes)).toEqual([16, 16, 11]);
    expect(lines[1]?.text).toBe('fox jumps over t');
  });

  it('wraps at 4 bytes in a narrow pane, the text column still shown', () => {
    const lines = dumpAt(220);
    expect(lines.every((l, i) => l.bytes === (i < lines.length - 1 ? 4 : 3))).toBe(true);
    expect(lines.map((l) => l.text).join('')).toBe(message);
  });

  it('chooses the widest line that fits, 16 while unmeasured', () => {
    expect(hexLineBytesFor(0, 0)).toBe(16);
    expect(hexLineBytesFor(hexLineChars(16) * CHAR_PX, CHAR_PX)).toBe(16);
    expect(hexLineBytesFor(hexLineChars(16) * CHAR_PX - 1, CHAR_PX)).toBe(8);
    expect(hexLineBytesFor(hexLineChars(8) * CHAR_PX - 1, CHAR_PX)).toBe(4);
    expect(hexLineBytesFor(10, CHAR_PX)).toBe(4);
  });
});
