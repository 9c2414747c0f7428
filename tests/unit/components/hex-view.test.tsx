// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { HEX_PAGE, HexView } from '../../../components/HexView';
import { bytesToBase64 } from '../../../lib/base64';
import { base64Prefix, hexDump } from '../../../lib/format';

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
