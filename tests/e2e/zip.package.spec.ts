// `npm run zip` (wxt zip, for Chrome and for Firefox) makes store-ready
// packages: each zip holds a manifest named Wirescope with every icon it
// declares, and the Firefox sources zip (for add-on review) rebuilds the
// Firefox package exactly.
// Built into a temporary directory of its own, not the suite's build.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import JSZip from 'jszip';
import { expect, test } from './support/test';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
const WXT = join(ROOT, 'node_modules', '.bin', 'wxt');
const ICON_SIZES = ['16', '32', '48', '96', '128'];

let outDir: string;

test.beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'wirescope-zip-'));
});
test.afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

async function zip(args: string[]): Promise<void> {
  await run(WXT, ['zip', ...args], { cwd: ROOT, env: { ...process.env, WIRESCOPE_OUT_DIR: outDir } });
}

async function openZip(suffix: string): Promise<JSZip> {
  const name = (await readdir(outDir)).find((f) => f.endsWith(suffix));
  if (!name) throw new Error(`no *${suffix} in ${outDir}: ${(await readdir(outDir)).join(', ')}`);
  return JSZip.loadAsync(await readFile(join(outDir, name)));
}

async function checkPackage(archive: JSZip): Promise<Record<string, unknown>> {
  const manifestFile = archive.file('manifest.json');
  expect(manifestFile, 'manifest.json at the zip root').not.toBeNull();
  const manifest = JSON.parse((await manifestFile?.async('string')) ?? '{}') as {
    name?: string;
    icons?: Record<string, string>;
  };
  expect(manifest.name).toBe('Wirescope');
  expect(Object.keys(manifest.icons ?? {}).sort()).toEqual([...ICON_SIZES].sort());
  for (const size of ICON_SIZES) {
    const path = manifest.icons?.[size] ?? '';
    const icon = archive.file(path);
    expect(icon, `icon ${size} (${path}) in the zip`).not.toBeNull();
    const bytes = (await icon?.async('uint8array')) ?? new Uint8Array();
    // A PNG, and of the declared size (width and height at bytes 16..23 of IHDR).
    expect([...bytes.subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([Number(size), Number(size)]);
  }
  expect(archive.file('panel.html'), 'the panel page').not.toBeNull();
  return manifest;
}

test('npm run zip makes a Chrome and a Firefox package with manifest and all icons, and the Firefox sources rebuild that package byte for byte', async () => {
  test.setTimeout(180_000);
  await zip([]);
  await zip(['-b', 'firefox']);

  const chrome = await checkPackage(await openZip('-chrome.zip'));
  expect(chrome.manifest_version).toBe(3);
  expect(chrome.devtools_page).toBe('devtools.html');

  const firefoxZip = await openZip('-firefox.zip');
  const firefox = await checkPackage(firefoxZip);
  expect(firefox.manifest_version).toBe(2);
  expect(firefox).toHaveProperty('browser_specific_settings.gecko.id', 'wirescope@wirescope.dev');

  const sources = await openZip('-sources.zip');
  for (const needed of ['package.json', 'package-lock.json', 'wxt.config.ts', 'entrypoints/background.ts'])
    expect(sources.file(needed), `${needed} in the sources zip`).not.toBeNull();
  const stray = Object.keys(sources.files).filter((f) =>
    /^(node_modules|\.output|test-results|artifacts)\//.test(f),
  );
  expect(stray).toEqual([]);

  // What add-on review does with the sources: unpack them, install the locked packages
  // (here: this checkout's, the same lock file) and build. The result must be the
  // Firefox package, file for file and byte for byte.
  const unpacked = join(outDir, 'sources');
  for (const [name, entry] of Object.entries(sources.files)) {
    if (entry.dir) continue;
    const path = join(unpacked, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await entry.async('uint8array'));
  }
  expect(await readFile(join(unpacked, 'package-lock.json'), 'utf8')).toBe(
    await readFile(join(ROOT, 'package-lock.json'), 'utf8'),
  );
  await symlink(join(ROOT, 'node_modules'), join(unpacked, 'node_modules'), 'dir');
  const rebuiltDir = join(outDir, 'rebuilt');
  await run(join(unpacked, 'node_modules', '.bin', 'wxt'), ['build', '-b', 'firefox'], {
    cwd: unpacked,
    env: { ...process.env, WIRESCOPE_OUT_DIR: rebuiltDir },
  });
  const rebuilt = await filesUnder(join(rebuiltDir, 'firefox-mv2'));
  const packaged = Object.entries(firefoxZip.files).filter(([, e]) => !e.dir);
  expect(Object.keys(rebuilt).sort()).toEqual(packaged.map(([name]) => name).sort());
  for (const [name, entry] of packaged)
    expect(Buffer.compare(rebuilt[name] as Buffer, Buffer.from(await entry.async('uint8array'))), name).toBe(
      0,
    );
});

/** Every file under dir, by its path relative to dir (with / separators), and its bytes. */
async function filesUnder(dir: string, prefix = ''): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) Object.assign(files, await filesUnder(path, `${prefix}${entry.name}/`));
    else files[`${prefix}${entry.name}`] = await readFile(path);
  }
  return files;
}
