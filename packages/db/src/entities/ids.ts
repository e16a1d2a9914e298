import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';

/**
 * The generator's random words, drawn from the CSPRNG a kilobyte at a time: its default source asks for eight words
 * at once, one call for every few ids, and an order makes half a dozen.
 */
class BufferedRandom {
  private readonly words = new Uint32Array(256);
  private next = this.words.length;

  nextUint32(): number {
    if (this.next === this.words.length) {
      randomFillSync(this.words);
      this.next = 0;
    }
    return this.words[this.next++]!;
  }
}

const generator = new V7Generator(new BufferedRandom());

/** Time-ordered UUIDs (v7) keep new rows at the right edge of every primary-key index. */
export const newId = (): string => generator.generate().toString();
