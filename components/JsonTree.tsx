// A collapsible JSON tree. Only expanded nodes render their children, and
// children come in pages, so 10,000-deep or 1,000,000-wide values cost what is
// on screen. Every value is rendered as text (never HTML).

import { useState } from 'preact/hooks';

export const CHILD_PAGE = 100;
export const STRING_PREVIEW = 1000;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isContainer(v: unknown): v is Record<string, unknown> | unknown[] {
  return typeof v === 'object' && v !== null;
}

function primitiveText(v: unknown, max = 60): string {
  if (typeof v === 'string') return JSON.stringify(v.length > max ? `${v.slice(0, max)}…` : v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `Array(${v.length})`;
  if (typeof v === 'object') return '{…}';
  return String(v);
}

/** One line describing a container without walking into it. */
export function summarize(v: unknown): string {
  if (Array.isArray(v)) {
    const head = v.slice(0, 5).map((x) => primitiveText(x, 20));
    return `(${v.length}) [${head.join(', ')}${v.length > 5 ? ', …' : ''}]`;
  }
  if (isContainer(v)) {
    const keys = Object.keys(v);
    const head = keys.slice(0, 5).map((k) => `${k}: ${primitiveText((v as Record<string, unknown>)[k], 20)}`);
    return `{${head.join(', ')}${keys.length > 5 ? ', …' : ''}}`;
  }
  return primitiveText(v);
}

function StringValue({ value }: { value: string }) {
  const [full, setFull] = useState(false);
  if (full || value.length <= STRING_PREVIEW) return <span class="json-string">{JSON.stringify(value)}</span>;
  return (
    <span class="json-string">
      {JSON.stringify(value.slice(0, STRING_PREVIEW))}
      <button type="button" class="link" onClick={() => setFull(true)}>
        … show all {value.length.toLocaleString()} characters
      </button>
    </span>
  );
}

function Primitive({ value }: { value: unknown }) {
  if (typeof value === 'string') return <StringValue value={value} />;
  const cls = value === null ? 'json-null' : `json-${typeof value}`;
  return <span class={cls}>{String(value)}</span>;
}

interface NodeProps {
  name: string | null;
  value: unknown;
  path: string;
  initiallyOpen: boolean;
}

function JsonNode({ name, value, path, initiallyOpen }: NodeProps) {
  const [open, setOpen] = useState(initiallyOpen);
  const [shown, setShown] = useState(CHILD_PAGE);
  const label = name !== null && <span class="json-key">{name}: </span>;
  if (!isContainer(value)) {
    return (
      <li class="json-leaf">
        {label}
        <Primitive value={value} />
      </li>
    );
  }
  const keys = Array.isArray(value) ? null : Object.keys(value);
  const count = keys ? keys.length : (value as unknown[]).length;
  const children: preact.JSX.Element[] = [];
  if (open) {
    const n = Math.min(shown, count);
    for (let i = 0; i < n; i++) {
      const k = keys ? (keys[i] as string) : String(i);
      const child = keys ? (value as Record<string, unknown>)[k] : (value as unknown[])[i];
      children.push(<JsonNode key={k} name={k} value={child} path={`${path}.${k}`} initiallyOpen={false} />);
    }
  }
  return (
    <li class="json-node">
      <button
        type="button"
        class="json-toggle"
        aria-expanded={open}
        aria-label={`${open ? 'Collapse' : 'Expand'} ${name ?? 'root'}`}
        onClick={() => setOpen(!open)}
      >
        {open ? '▾' : '▸'}
      </button>
      {label}
      <span class="json-summary">{summarize(value)}</span>
      {open && (
        <ul>
          {children}
          {count > shown && (
            <li>
              <button type="button" class="link" onClick={() => setShown(shown + CHILD_PAGE * 10)}>
                Show {Math.min(CHILD_PAGE * 10, count - shown).toLocaleString()} more of{' '}
                {(count - shown).toLocaleString()}
              </button>
            </li>
          )}
        </ul>
      )}
    </li>
  );
}

export function JsonTree({ value, label = 'JSON payload' }: { value: Json | unknown; label?: string }) {
  return (
    <ul class="json-tree" aria-label={label}>
      <JsonNode name={null} value={value} path="$" initiallyOpen={true} />
    </ul>
  );
}
