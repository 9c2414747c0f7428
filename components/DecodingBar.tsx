// Above a message's detail: the protocol its connection is decoded as, a
// "Decode as…" choice for when detection guessed wrong (remembered for the
// endpoint), and the connection's call latency.

import type { DecodingChoice } from '../lib/decode/decoding-choice';
import { type LatencyStats, latencyWords } from '../lib/decode/pair-latency';
import type { ProtocolId } from '../lib/decode/types';
import { formatDuration } from '../lib/format';

export interface DecodingControl {
  /** The label of what the connection is decoded as; null when raw. */
  current: string | null;
  /** The choice remembered for its endpoint; null when detected. */
  choice: DecodingChoice | null;
  /** An imported file said what it was decoded as (and no choice overrides that). */
  fromFile: boolean;
  /** What detection makes of it, whatever was chosen. */
  detected: string | null;
  options: ReadonlyArray<{ id: ProtocolId; label: string }>;
  /** Remembers a choice for the endpoint; null goes back to detecting. */
  onChoose(choice: DecodingChoice | null): void;
  /** The connection's call latency; null when it made no calls. */
  latency: LatencyStats | null;
}

const AUTO = '';

export function DecodingBar({ control }: { control: DecodingControl }) {
  const { current, choice, fromFile, detected, options, onChoose, latency } = control;
  const how =
    choice === null
      ? current
        ? `${current}, ${fromFile ? 'as in the file' : 'detected'}`
        : 'No known protocol detected'
      : current
        ? `${current}, as chosen`
        : 'Raw, as chosen';
  return (
    <div class="decoding-bar" data-testid="decoding">
      <span class="decoding-how">{how}</span>
      <label class="decode-as">
        Decode as{' '}
        <select
          aria-label="Decode as"
          title="Decode this connection's messages as another protocol; remembered for its origin and path"
          value={choice ?? AUTO}
          onChange={(e) => {
            const v = e.currentTarget.value;
            onChoose(v === AUTO ? null : (v as DecodingChoice));
          }}
        >
          <option value={AUTO}>Auto{detected ? ` (${detected})` : ''}</option>
          <option value="raw">Raw (no decoding)</option>
          {options.map((o) => (
            <option key={o.id} value={o.id}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      {latency && (
        <p
          class="latency"
          data-testid="latency"
          title="This connection's calls: time from each request to its first answer (handshakes and heartbeats left out)"
        >
          Calls: {latencyWords(latency, formatDuration)}
        </p>
      )}
    </div>
  );
}
