// Hex dump of a binary payload, decoded lazily: only the shown prefix of the
// base64 is decoded, and more is added on request. Lines hold 16 bytes when
// they fit the pane, else 8 (or 4): the text column must never end up behind
// a horizontal scrollbar, least of all at the detail pane's default width.

import { useMemo, useRef, useState } from 'preact/hooks';
import { base64DecodedLength } from '../lib/base64';
import {
  base64Prefix,
  formatBytes,
  HEX_LINE_BYTES,
  type HexLineBytes,
  hexDump,
  hexLineChars,
} from '../lib/format';
import { useObservedSize } from './use-observed-size';

export const HEX_PAGE = 4096;

/** Characters in the probe that measures the dump's character width. */
const PROBE = '0000000000';

/** The widest line that fits `widthPx` at `charPx` a character; 16 while unmeasured. */
export function hexLineBytesFor(widthPx: number, charPx: number): HexLineBytes {
  if (widthPx <= 0 || charPx <= 0) return 16;
  for (const n of HEX_LINE_BYTES) if (hexLineChars(n) * charPx <= widthPx) return n;
  return HEX_LINE_BYTES[HEX_LINE_BYTES.length - 1] as HexLineBytes;
}

export function HexView({ base64, text }: { base64?: string; text?: string }) {
  const [limit, setLimit] = useState(HEX_PAGE);
  const boxRef = useRef<HTMLDivElement>(null);
  const probeRef = useRef<HTMLSpanElement>(null);
  const width = useObservedSize(boxRef, (el) => el.clientWidth);
  // Measured rather than assumed: the monospace font is whatever the platform has.
  const charPx = useObservedSize(probeRef, (el) => el.getBoundingClientRect().width / PROBE.length);
  const perLine = hexLineBytesFor(width, charPx);
  const total = base64 !== undefined ? base64DecodedLength(base64) : (text?.length ?? 0);
  const bytes = useMemo(() => {
    if (base64 !== undefined) return base64Prefix(base64, limit);
    return new TextEncoder().encode((text ?? '').slice(0, limit)).slice(0, limit);
  }, [base64, text, limit]);
  const dump = useMemo(() => hexDump(bytes, perLine), [bytes, perLine]);
  return (
    <div class="hex" ref={boxRef}>
      <span class="hex-probe" ref={probeRef} aria-hidden="true">
        {PROBE}
      </span>
      <pre class="hex-dump" data-testid="hex-dump" data-per-line={perLine}>
        {dump}
      </pre>
      {total > bytes.length && (
        <button type="button" class="link" onClick={() => setLimit(limit * 4)}>
          Showing {formatBytes(bytes.length)} of {formatBytes(total)}: show more
        </button>
      )}
    </div>
  );
}
