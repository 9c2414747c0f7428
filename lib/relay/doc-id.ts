// A random id for a document. crypto.randomUUID exists only in secure
// contexts, and content scripts share the page's: on a plain http:// site it
// is missing, so the id is built from getRandomValues, which always exists.

type RandomFill = (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer>;

export function randomDocumentId(random: RandomFill = (b) => crypto.getRandomValues(b)): string {
  const bytes = random(new Uint8Array(16));
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}
