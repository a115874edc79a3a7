// The embeddings mechanism every provider shares (src/plugins/embeddings.ts), in process: how
// inputs are split and joined, what base64 means, and how an OpenAI-shaped body is read.
import { describe, expect, it } from 'vitest';
import {
  embedInBatches,
  embeddingItems,
  isTokenInput,
  ProviderError,
  readOpenAIEmbeddings,
  toBase64,
  toFloats,
  UnsupportedParameterError,
  rejectTokenInput,
  type EmbeddedBatch,
  type EmbeddingInput,
} from 'anyllm/plugin';

/** An embed callback that answers input `t<i>` with [i] and records what it was sent. */
function numbered(tokens = 1) {
  const calls: EmbeddingInput[] = [];
  const embed = async (input: EmbeddingInput): Promise<EmbeddedBatch> => {
    calls.push(input);
    const items = embeddingItems(input);
    return { vectors: items.map((item) => [Number(String(item).slice(1))]), model: `m${calls.length}`, promptTokens: items.length * tokens };
  };
  return { calls, embed };
}

describe('embedInBatches', () => {
  it('sends the caller\'s input as given when it fits in one request', async () => {
    for (const maxInputs of [undefined, 0, 1, 2048]) {
      const { calls, embed } = numbered();
      const result = await embedInBatches({ model: 'x', input: 't7' }, maxInputs, 'p', embed);
      expect(calls).toEqual(['t7']);
      expect(result).toEqual({ object: 'list', data: [{ object: 'embedding', index: 0, embedding: [7] }], model: 'm1', usage: { prompt_tokens: 1, total_tokens: 1 } });
    }
  });

  it('splits at maxInputs, in order, and joins with global indexes, usage summed and the first answer\'s model', async () => {
    const { calls, embed } = numbered(3);
    const input = ['t0', 't1', 't2', 't3', 't4'];
    const result = await embedInBatches({ model: 'x', input }, 2, 'p', embed);
    expect(calls).toEqual([['t0', 't1'], ['t2', 't3'], ['t4']]);
    expect(result.data).toEqual(input.map((_t, i) => ({ object: 'embedding', index: i, embedding: [i] })));
    expect(result.model).toBe('m1');
    expect(result.usage).toEqual({ prompt_tokens: 15, total_tokens: 15 });
  });

  it('one array of token ids is one input; arrays of them split like texts', async () => {
    const seen: EmbeddingInput[] = [];
    const embed = async (input: EmbeddingInput): Promise<EmbeddedBatch> => {
      seen.push(input);
      return { vectors: embeddingItems(input).map(() => [0]) };
    };
    await embedInBatches({ model: 'x', input: [1, 2, 3] }, 1, 'p', embed);
    await embedInBatches({ model: 'x', input: [[1], [2], [3]] }, 2, 'p', embed);
    expect(seen).toEqual([[1, 2, 3], [[1], [2]], [[3]]]);
  });

  it('names the requested model and counts 0 tokens when the provider says neither', async () => {
    const result = await embedInBatches({ model: 'asked', input: ['a'] }, undefined, 'p', async () => ({ vectors: [[1]] }));
    expect(result).toMatchObject({ model: 'asked', usage: { prompt_tokens: 0, total_tokens: 0 } });
  });

  it('gives each vector in the encoding asked for, whatever the provider sent', async () => {
    const mixed = async (): Promise<EmbeddedBatch> => ({ vectors: [[1, -2], toBase64([0.5])] });
    const floats = await embedInBatches({ model: 'x', input: ['a', 'b'] }, undefined, 'p', mixed);
    expect(floats.data.map((d) => d.embedding)).toEqual([[1, -2], [0.5]]);
    const base64 = await embedInBatches({ model: 'x', input: ['a', 'b'], encoding_format: 'base64' }, undefined, 'p', mixed);
    expect(base64.data.map((d) => d.embedding)).toEqual([toBase64([1, -2]), toBase64([0.5])]);
  });

  it('a request answered with another number of vectors than inputs is a ProviderError (in a later batch too)', async () => {
    let call = 0;
    const short = async (input: EmbeddingInput): Promise<EmbeddedBatch> => ({ vectors: embeddingItems(input).slice(++call === 2 ? 1 : 0).map(() => [0]) });
    const error = await embedInBatches({ model: 'x', input: ['a', 'b', 'c', 'd'] }, 2, 'acme', short).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ provider: 'acme', code: 'invalid_response', message: "Provider 'acme' answered 1 embeddings for 2 inputs." });
  });
});

describe('base64 vectors: little-endian float32s', () => {
  it('encodes and decodes OpenAI\'s way', () => {
    expect(toBase64([1])).toBe('AACAPw==');
    expect(toBase64([1, -2, 0.5])).toBe(Buffer.from(new Float32Array([1, -2, 0.5]).buffer).toString('base64'));
    expect(toFloats('AACAPw==', 'p')).toEqual([1]);
    expect(toFloats(toBase64([0.25, -8, 3]), 'p')).toEqual([0.25, -8, 3]);
    expect(toBase64('already')).toBe('already');
    expect(toFloats([1, 2], 'p')).toEqual([1, 2]);
  });

  it('refuses base64 that is not a whole number of float32s', () => {
    expect(() => toFloats('AAA=', 'acme')).toThrow(ProviderError);
    expect(() => toFloats('AAA=', 'acme')).toThrow("Provider 'acme' answered a base64 embedding that is not float32s.");
  });
});

describe('readOpenAIEmbeddings', () => {
  it('puts vectors in index order and reads model and prompt tokens', () => {
    const body = { data: [{ index: 1, embedding: [2] }, { index: 0, embedding: 'AACAPw==' }], model: 'm', usage: { prompt_tokens: 4 } };
    expect(readOpenAIEmbeddings(body, 'p')).toEqual({ vectors: ['AACAPw==', [2]], model: 'm', promptTokens: 4 });
  });

  it('takes the position when a server leaves index out, and no model or usage when it sends none', () => {
    expect(readOpenAIEmbeddings({ data: [{ embedding: [1] }, { embedding: [2] }], model: '' }, 'p')).toEqual({ vectors: [[1], [2]], model: undefined, promptTokens: undefined });
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'it is not an object'],
    ['no data', { model: 'm' }, 'data is not an array'],
    ['a vector of null', { data: [{ index: 0, embedding: null }] }, 'data[0].embedding is neither numbers nor base64'],
  ])('refuses %s with a ProviderError', (_what, body, problem) => {
    expect(() => readOpenAIEmbeddings(body, 'acme')).toThrow(`Provider 'acme' answered an embeddings body that is not OpenAI's: ${problem}.`);
  });
});

describe('inputs', () => {
  it('embeddingItems: one item per vector', () => {
    expect(embeddingItems('a')).toEqual(['a']);
    expect(embeddingItems(['a', 'b'])).toEqual(['a', 'b']);
    expect(embeddingItems([1, 2])).toEqual([[1, 2]]);
    expect(embeddingItems([[1], [2]])).toEqual([[1], [2]]);
  });

  it('isTokenInput and rejectTokenInput: token ids, not text', () => {
    expect([isTokenInput('a'), isTokenInput(['a']), isTokenInput([1]), isTokenInput([[1]])]).toEqual([false, false, true, true]);
    expect(() => rejectTokenInput({ model: 'm', input: ['a'] }, 'p')).not.toThrow();
    expect(() => rejectTokenInput({ model: 'm', input: [[1]] }, 'p')).toThrow(UnsupportedParameterError);
  });
});
