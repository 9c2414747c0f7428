import { describe, expect, it } from 'vitest';
import { randomDocumentId } from '../../lib/relay/doc-id';

describe('randomDocumentId', () => {
  it('is 32 hex characters from 16 random bytes', () => {
    const id = randomDocumentId((b) => b.fill(0xab));
    expect(id).toBe('ab'.repeat(16));
  });
  it('differs between calls with the real source', () => {
    const ids = new Set(Array.from({ length: 100 }, () => randomDocumentId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
  });
});
