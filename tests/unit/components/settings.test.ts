import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, sanitizeSettings } from '../../../components/settings';

describe('sanitizeSettings', () => {
  it('falls back to defaults for anything not ours', () => {
    for (const bad of [null, undefined, 42, 'x', [], { transports: 'ws' }]) {
      expect(sanitizeSettings(bad)).toEqual(DEFAULT_SETTINGS);
    }
  });
  it('keeps valid values, drops unknown members and clamps sizes', () => {
    const s = sanitizeSettings({
      preserveLog: true,
      transports: ['websocket', 'ftp', 'eventsource'],
      directions: ['in'],
      payloadCap: 4 * 1024 * 1024,
      query: 'q'.repeat(5000),
      sidebarWidth: 5,
      detailWidth: 99999,
      timelineHeight: Number.NaN,
      showTimeline: false,
    });
    expect(s.transports).toEqual(['websocket', 'eventsource']);
    expect(s.directions).toEqual(['in']);
    expect(s.payloadCap).toBe(4 * 1024 * 1024);
    expect(s.query).toHaveLength(2000);
    expect([s.sidebarWidth, s.detailWidth, s.timelineHeight]).toEqual([
      140,
      1200,
      DEFAULT_SETTINGS.timelineHeight,
    ]);
    expect(sanitizeSettings({ payloadCap: 12345 }).payloadCap).toBe(DEFAULT_SETTINGS.payloadCap);
  });
  it('keeps a remembered detail tab only where that kind of event has it', () => {
    expect(
      sanitizeSettings({ detailTabs: { text: 'raw', binary: 'raw', http: 'http', decoded: 'hex' } })
        .detailTabs,
    ).toEqual({
      text: 'raw',
      binary: 'raw',
      http: 'http',
      decoded: 'hex',
    });
    // Only a decoded message has a Decoded tab.
    expect(sanitizeSettings({ detailTabs: { text: 'decoded', decoded: 'nope' } }).detailTabs).toEqual(
      DEFAULT_SETTINGS.detailTabs,
    );
    // Binary messages have no Payload tab, text messages no Headers tab; junk falls back per kind.
    expect(sanitizeSettings({ detailTabs: { text: 'http', binary: 'payload', http: 7 } }).detailTabs).toEqual(
      DEFAULT_SETTINGS.detailTabs,
    );
    expect(sanitizeSettings({ detailTabs: { binary: 'raw' } }).detailTabs).toEqual({
      ...DEFAULT_SETTINGS.detailTabs,
      binary: 'raw',
    });
    expect(sanitizeSettings({ detailTabs: ['hex'] }).detailTabs).toEqual(DEFAULT_SETTINGS.detailTabs);
  });
});
