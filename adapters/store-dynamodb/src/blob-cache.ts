// Chunked instance fields (a large params or output) never change under a reference (each write makes a
// new nonce), so their text is cached by reference: an instance write that returns the record does not
// read the chunks again.

const MAX_BYTES = 64 * 1024 * 1024;

export class BlobCache {
  private readonly entries = new Map<string, string>();
  private bytes = 0;

  get(key: string): string | undefined {
    const text = this.entries.get(key);
    if (text !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, text);
    }
    return text;
  }

  set(key: string, text: string): void {
    if (this.entries.has(key) || text.length * 2 > MAX_BYTES) return;
    this.entries.set(key, text);
    this.bytes += text.length * 2;
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= MAX_BYTES) break;
      this.entries.delete(oldest);
      this.bytes -= value.length * 2;
    }
  }
}
