// Hex dump of a binary payload, decoded lazily: only the shown prefix of the
// base64 is decoded, and more is added on request.

import { useMemo, useState } from 'preact/hooks';
import { base64DecodedLength } from '../lib/base64';
import { base64Prefix, formatBytes, hexDump } from '../lib/format';

export const HEX_PAGE = 4096;

export function HexView({ base64, text }: { base64?: string; text?: string }) {
  const [limit, setLimit] = useState(HEX_PAGE);
  const total = base64 !== undefined ? base64DecodedLength(base64) : (text?.length ?? 0);
  const bytes = useMemo(() => {
    if (base64 !== undefined) return base64Prefix(base64, limit);
    return new TextEncoder().encode((text ?? '').slice(0, limit)).slice(0, limit);
  }, [base64, text, limit]);
  const dump = useMemo(() => hexDump(bytes), [bytes]);
  return (
    <div class="hex">
      <pre class="hex-dump" data-testid="hex-dump">
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
