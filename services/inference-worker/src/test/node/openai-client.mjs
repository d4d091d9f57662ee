// The official openai SDK against the worker's HTTP API: success, streaming, logprobs and every error class.
// Usage: node openai-client.mjs BASE_URL MODEL CHAT_BASE_URL CHAT_MODEL
// Prints "ok NAME" per check; exits non-zero at the first failure (NodeClientsIT checks both).
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const [baseURL, model, chatBaseURL, chatModel] = process.argv.slice(2);
// No retries: a 429 or 5xx must show up here, not be retried away.
const client = new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
const chat = new OpenAI({ baseURL: chatBaseURL, apiKey: 'unused', maxRetries: 0, timeout: 120_000 });
const PROMPT = 'Once upon a time';

async function check(name, fn) {
  await fn();
  console.log('ok ' + name);
}

// An SDK error of the given class, with OpenAI's error fields as the server filled them.
async function rejects(promise, cls, status, code, param) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e?.constructor?.name}: ${e?.message}`);
    assert.equal(e.status, status, e.message);
    assert.equal(e.code, code, e.message);
    assert.equal(e.param ?? null, param ?? null, e.message);
    assert.equal(e.type, status === 429 ? 'rate_limit_error' : 'invalid_request_error', e.message);
    assert.ok(!e.message.includes('no body'), e.message);
    return e;
  }
  assert.fail(`expected ${cls.name} ${status} ${code}`);
}

async function collect(stream) {
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

// A stream's choices put back together by choice.index: text (or chat content), log-probabilities, and the finish
// chunk's fields.
function reassemble(chunks) {
  const choices = [];
  for (const c of chunks) {
    for (const ch of c.choices) {
      const r = (choices[ch.index] ??= { text: '', logprobs: [], finish_reason: null, output_hash: null });
      assert.equal(r.finish_reason, null, `nothing follows choice ${ch.index}'s finish`);
      r.text += ch.text ?? ch.delta?.content ?? '';
      r.logprobs.push(...(ch.logprobs?.token_logprobs ?? ch.logprobs?.content ?? []));
      if (ch.finish_reason) Object.assign(r, { finish_reason: ch.finish_reason, output_hash: ch.output_hash });
    }
  }
  return choices;
}

// Each streamed choice equals the whole answer's choice of the same index; the usage chunk its usage.
function assertStreamedAsWhole(chunks, whole) {
  const got = reassemble(chunks);
  assert.equal(got.length, whole.choices.length);
  for (const w of whole.choices) {
    const g = got[w.index];
    assert.equal(g.text, w.text ?? w.message.content, `choice ${w.index}`);
    assert.equal(g.finish_reason, w.finish_reason);
    assert.equal(g.output_hash, w.output_hash);
    if (w.logprobs) assert.deepEqual(g.logprobs, w.logprobs.token_logprobs ?? w.logprobs.content);
  }
  assert.equal(chunks.at(-1).choices.length, 0);
  assert.deepEqual(chunks.at(-1).usage, whole.usage);
}

// A client whose fetch changes what the SDK sends, for errors the SDK itself never makes.
function tampered(change) {
  return new OpenAI({ baseURL, apiKey: 'unused', maxRetries: 0,
    fetch: (url, init) => fetch(url, change({ ...init, headers: new Headers(init.headers) })) });
}

const base = { model, prompt: PROMPT, max_tokens: 12, temperature: 0 };
let whole;

await check('models list max_model_len', async () => {
  const models = await client.models.list();
  assert.equal(models.data[0].id, model);
  assert.equal(models.data[0].max_model_len, 512);
});

await check('completion with logprobs', async () => {
  whole = await client.completions.create({ ...base, logprobs: 3, user: 'node-test' });
  const c = whole.choices[0];
  assert.ok(c.text.length > 0);
  assert.equal(c.logprobs.tokens.length, whole.usage.completion_tokens);
  assert.equal(c.logprobs.token_logprobs.length, whole.usage.completion_tokens);
  for (const [i, top] of c.logprobs.top_logprobs.entries()) {
    assert.ok(Object.keys(top).length >= 3, JSON.stringify(top));
    assert.ok(c.logprobs.token_logprobs[i] <= 0);
  }
  assert.equal(c.logprobs.tokens.join(''), c.text);
  assert.match(c.fingerprint, /^[0-9a-f]{64}$/);
});

await check('streamed completion equals the whole one, logprobs bit for bit', async () => {
  const chunks = await collect(await client.completions.create({ ...base, logprobs: 3, stream: true,
    stream_options: { include_usage: true } }));
  const withChoice = chunks.filter(c => c.choices.length > 0);
  assert.equal(withChoice.map(c => c.choices[0].text).join(''), whole.choices[0].text);
  assert.deepEqual(withChoice.flatMap(c => c.choices[0].logprobs.token_logprobs),
    whole.choices[0].logprobs.token_logprobs);
  const last = chunks.at(-1);
  assert.equal(last.choices.length, 0);
  assert.deepEqual(last.usage, whole.usage);
  assert.equal(withChoice.at(-1).choices[0].output_hash, whole.choices[0].output_hash);
});

await check('echo puts the prompt first', async () => {
  const r = await client.completions.create({ ...base, echo: true });
  assert.equal(r.choices[0].text, PROMPT + whole.choices[0].text);
});

await check('stop array', async () => {
  const r = await client.completions.create({ ...base, max_tokens: 40, stop: [' was', 'never-there'] });
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(!r.choices[0].text.includes(' was'), r.choices[0].text);
});

await check('seeded sampling repeats', async () => {
  const a = await client.completions.create({ ...base, temperature: 0.9, seed: 5 });
  const b = await client.completions.create({ ...base, temperature: 0.9, seed: 5 });
  assert.equal(a.choices[0].output_hash, b.choices[0].output_hash);
});

await check('wrongly typed value is a 400 naming the field', () =>
  rejects(client.completions.create({ ...base, temperature: 'hot' }), OpenAI.BadRequestError, 400,
    'INVALID_PARAM', 'temperature'));

await check('prompt + max_tokens beyond the context is a 400 with the numbers', async () => {
  const e = await rejects(client.completions.create({ ...base, max_tokens: 600 }), OpenAI.BadRequestError, 400,
    'PROMPT_TOO_LONG', 'max_tokens');
  for (const n of ['512', '600']) assert.ok(e.message.includes(n), e.message);
});

await check('a streamed request the engine refuses is an HTTP 400, not a 200 stream', () =>
  rejects(client.completions.create({ ...base, max_tokens: 600, stream: true }), OpenAI.BadRequestError, 400,
    'PROMPT_TOO_LONG', 'max_tokens'));

await check('token-id prompt scored with echo + logprobs, as lm-evaluation-harness asks', async () => {
  const tokenized = await fetch(new URL('/tokenize', baseURL), { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, prompt: PROMPT }) });
  const ids = (await tokenized.json()).tokens;
  const r = await client.completions.create({ model, prompt: ids, echo: true, logprobs: 1, max_tokens: 1,
    temperature: 0 });
  const lp = r.choices[0].logprobs;
  assert.equal(lp.tokens.length, ids.length + 1, 'the prompt tokens, then the generated one');
  assert.equal(lp.token_logprobs[0], null);
  assert.equal(lp.top_logprobs[0], null);
  // Each prompt token's entry from its position's logits: the greedy answer to the prompt cut there has it whole.
  const cut = await client.completions.create({ model, prompt: ids.slice(0, -1), max_tokens: 1, temperature: 0,
    logprobs: 1 });
  const last = ids.length - 1;
  const greedy = cut.choices[0].logprobs;
  const top = Object.values(greedy.top_logprobs[0]);
  assert.equal(Math.max(...Object.values(lp.top_logprobs[last])), Math.max(...top));
  if (greedy.tokens[0] === lp.tokens[last]) assert.equal(lp.token_logprobs[last], greedy.token_logprobs[0]);
  assert.equal(lp.text_offset[0], 0);
  assert.equal(r.usage.prompt_tokens, ids.length);
});

await check('logit_bias +100 makes one token every token; an id outside the vocabulary is a 400', async () => {
  const tokenized = await fetch(new URL('/tokenize', baseURL), { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, prompt: PROMPT }) });
  const ids = (await tokenized.json()).tokens;
  const id = ids.at(-1);
  const echoed = await client.completions.create({ model, prompt: ids, echo: true, logprobs: 0, max_tokens: 1,
    temperature: 0 });
  const text = echoed.choices[0].logprobs.tokens[ids.length - 1];
  const r = await client.completions.create({ ...base, max_tokens: 4, logprobs: 0, logit_bias: { [id]: 100 } });
  assert.deepEqual(r.choices[0].logprobs.tokens, [text, text, text, text], `token ${id} every time`);
  assert.notDeepEqual(whole.choices[0].logprobs.tokens.slice(0, 4), [text, text, text, text]);
  const e = await rejects(client.completions.create({ ...base, logit_bias: { 1000000: 5 } }), OpenAI.BadRequestError,
    400, 'INVALID_PARAM', 'logit_bias');
  assert.ok(e.message.includes('1000000'), e.message);
});

await check('echo with logprobs streamed lists the prompt first, as the whole answer does', async () => {
  const scored = { ...base, max_tokens: 3, echo: true, logprobs: 1 };
  const w = (await client.completions.create(scored)).choices[0];
  const chunks = await collect(await client.completions.create({ ...scored, stream: true }));
  const got = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  for (const c of chunks) for (const k of Object.keys(got)) got[k].push(...c.choices[0].logprobs[k]);
  assert.equal(chunks.map(c => c.choices[0].text).join(''), w.text);
  assert.deepEqual(got, w.logprobs);
  assert.equal(got.token_logprobs[0], null);
});

await check('prompt_logprobs streamed is a clear 400, as vLLM answers', () =>
  rejects(client.completions.create({ ...base, prompt_logprobs: 1, stream: true }), OpenAI.BadRequestError,
    400, 'INVALID_PARAM', 'prompt_logprobs'));

await check('unknown model is a 404', () =>
  rejects(client.completions.create({ ...base, model: 'gpt-17' }), OpenAI.NotFoundError, 404,
    'UNKNOWN_MODEL', 'model'));

await check('unknown route is a 404', () =>
  rejects(client.embeddings.create({ model, input: 'hi' }), OpenAI.NotFoundError, 404, 'UNKNOWN_URL', null));

await check('method not allowed is a 405', () =>
  rejects(client.get('/completions'), OpenAI.APIError, 405, 'METHOD_NOT_ALLOWED', null));

await check('malformed JSON is a 400', () =>
  rejects(tampered(init => ({ ...init, body: String(init.body).slice(0, -1) })).completions.create(base),
    OpenAI.BadRequestError, 400, 'INVALID_JSON', null));

await check('wrong content type is a 415', () =>
  rejects(tampered(init => { init.headers.set('content-type', 'text/plain'); return init; })
    .completions.create(base), OpenAI.APIError, 415, 'UNSUPPORTED_MEDIA_TYPE', null));

const messages = [{ role: 'developer', content: 'You are terse.' }, { role: 'user', content: 'Say hi.' }];
const chatBase = { model: chatModel, messages, max_tokens: 8, temperature: 0 };
let answer;

await check('chat with developer role and logprobs', async () => {
  answer = await chat.chat.completions.create({ ...chatBase, logprobs: true, top_logprobs: 2 });
  const c = answer.choices[0];
  assert.equal(c.message.role, 'assistant');
  assert.equal(c.logprobs.content.length, answer.usage.completion_tokens);
  for (const t of c.logprobs.content) {
    assert.equal(t.top_logprobs.length, 2);
    assert.ok(t.top_logprobs[0].logprob >= t.logprob);
  }
});

await check('developer renders as system', async () => {
  const asSystem = await chat.chat.completions.create({ ...chatBase,
    messages: [{ role: 'system', content: 'You are terse.' }, messages[1]] });
  assert.equal(asSystem.choices[0].fingerprint, answer.choices[0].fingerprint);
});

await check('streamed chat with usage chunk', async () => {
  const chunks = await collect(await chat.chat.completions.create({ ...chatBase, logprobs: true, top_logprobs: 2,
    stream: true, stream_options: { include_usage: true } }));
  const withChoice = chunks.filter(c => c.choices.length > 0);
  assert.equal(withChoice.map(c => c.choices[0].delta.content ?? '').join(''), answer.choices[0].message.content);
  assert.deepEqual(withChoice.flatMap(c => c.choices[0].logprobs?.content ?? []), answer.choices[0].logprobs.content);
  assert.deepEqual(chunks.at(-1).usage, answer.usage);
});

const weather = { type: 'function', function: { name: 'get_weather', description: 'The weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Rome'] },
    unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city', 'unit'] } } };
const now = { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } };
const toolBase = { ...chatBase, max_tokens: 40, tools: [weather, now] };

await check('a named tool_choice: the call, its arguments of the function\'s schema', async () => {
  const r = await chat.chat.completions.create({ ...toolBase,
    tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  const m = r.choices[0].message;
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.equal(m.content, null);
  assert.equal(m.tool_calls.length, 1);
  assert.equal(m.tool_calls[0].type, 'function');
  assert.equal(m.tool_calls[0].function.name, 'get_weather');
  const args = JSON.parse(m.tool_calls[0].function.arguments);
  assert.ok(['Paris', 'Rome'].includes(args.city), m.tool_calls[0].function.arguments);
  // the same request, the same answer: calls and their ids included
  const again = await chat.chat.completions.create({ ...toolBase,
    tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  assert.deepEqual(again.choices[0].message, m);
  // the SDK's stream helper puts the streamed call back together
  const stream = chat.chat.completions.stream({ ...toolBase,
    tool_choice: { type: 'function', function: { name: 'get_weather' } } });
  const streamed = await stream.finalChatCompletion();
  const calls = cs => cs.map(c => [c.id, c.type, c.function.name, c.function.arguments]);
  assert.deepEqual(calls(streamed.choices[0].message.tool_calls), calls(m.tool_calls));
  assert.equal(streamed.choices[0].finish_reason, 'stop');
});

await check('tool_choice required with parallel_tool_calls false: one call of one of the tools', async () => {
  const r = await chat.chat.completions.create({ ...toolBase, tool_choice: 'required', parallel_tool_calls: false });
  const m = r.choices[0].message;
  assert.equal(r.choices[0].finish_reason, 'tool_calls', JSON.stringify(m));
  assert.equal(m.tool_calls.length, 1);
  assert.ok(['get_weather', 'now'].includes(m.tool_calls[0].function.name));
  JSON.parse(m.tool_calls[0].function.arguments);
});

await check('a conversation with a call and its result goes on', async () => {
  const r = await chat.chat.completions.create({ ...chatBase, tools: [weather], messages: [
    { role: 'user', content: 'Weather in Rome?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function',
      function: { name: 'get_weather', arguments: '{"city": "Rome", "unit": "celsius"}' } }] },
    { role: 'tool', tool_call_id: 'call_1', content: '21' }], tool_choice: 'none' });
  assert.equal(typeof r.choices[0].message.content, 'string');
  assert.equal(r.choices[0].message.tool_calls, undefined);
});

await check('tool_choice without tools, and legacy functions, are 400s naming the field', async () => {
  await rejects(chat.chat.completions.create({ ...chatBase, tool_choice: 'required' }), OpenAI.BadRequestError, 400,
    'INVALID_PARAM', 'tool_choice');
  await rejects(chat.chat.completions.create({ ...chatBase, functions: [{ name: 'f', parameters: {} }] }),
    OpenAI.BadRequestError, 400, 'INVALID_PARAM', 'functions');
});

await check('vLLM\'s chat rendering fields: a continued final message, template kwargs', async () => {
  const open = [{ role: 'user', content: 'Tell me a story.' }, { role: 'assistant', content: 'Once upon a' }];
  const continued = await chat.chat.completions.create({ ...chatBase, messages: open,
    add_generation_prompt: false, continue_final_message: true });
  const closed = await chat.chat.completions.create({ ...chatBase, messages: open });
  // the open turn ends the prompt: no end-of-turn token, no new assistant header
  assert.ok(continued.usage.prompt_tokens < closed.usage.prompt_tokens,
    `${continued.usage.prompt_tokens} vs ${closed.usage.prompt_tokens}`);
  // Qwen2.5's template has no enable_thinking: the same prompt, the same answer
  const kw = await chat.chat.completions.create({ ...chatBase, chat_template_kwargs: { enable_thinking: false } });
  assert.equal(kw.choices[0].fingerprint, answer.choices[0].fingerprint);
  await rejects(chat.chat.completions.create({ ...chatBase, messages: open, continue_final_message: true }),
    OpenAI.BadRequestError, 400, 'INVALID_PARAM', 'continue_final_message');
});

await check('a <think> block is the message\'s reasoning (the worker runs vLLM\'s qwen3 reasoning parser)', async () => {
  const held = { ...chatBase, max_tokens: 120,
    guided_regex: '<think>\n[a-z]{2,8}( [a-z]{2,8}){1,3}\n</think>\n\n[a-z]{2,8}( [a-z]{2,8}){1,3}' };
  const r = await chat.chat.completions.create(held);
  const m = r.choices[0].message;
  assert.match(m.reasoning, /^\n[a-z]+( [a-z]+)+\n$/, JSON.stringify(m));
  assert.equal(m.reasoning_content, m.reasoning);
  assert.match(m.content, /^\n\n[a-z]+( [a-z]+)+$/, JSON.stringify(m));
  const chunks = await collect(await chat.chat.completions.create({ ...held, stream: true }));
  assert.equal(chunks.map(c => c.choices[0].delta.reasoning ?? '').join(''), m.reasoning);
  assert.equal(chunks.map(c => c.choices[0].delta.content ?? '').join(''), m.content);
  assert.equal(chunks.at(-1).choices[0].output_hash, r.choices[0].output_hash);
  // an answer with no block is all content, its reasoning null
  assert.equal(answer.choices[0].message.reasoning, null);
});

await check('a stream the client stops reading is dropped by the server (the SDK aborts its request)', async () => {
  const metrics = chatBaseURL.replace(/\/v1\/?$/, '/q/metrics');
  const cancelled = async () => {
    const line = (await (await fetch(metrics)).text()).split('\n')
      .find(l => l.startsWith('request_failure_total{') && l.includes('code="CANCELLED"'));
    return line ? Number(line.split(' ').at(-1)) : 0;
  };
  const before = await cancelled();
  const stream = await chat.chat.completions.create({ model: chatModel, temperature: 0, stream: true,
    messages: [{ role: 'user', content: 'Tell a long story.' }], max_tokens: 20000, ignore_eos: true });
  for await (const chunk of stream) break; // leaving the loop aborts the request: its connection closes
  let after = before;
  for (let i = 0; i < 300 && after === before; i++) {
    await new Promise(r => setTimeout(r, 100));
    after = await cancelled();
  }
  assert.equal(after, before + 1, 'the request ran on for nobody');
});

await check('the Responses API: the chat answer as items, whole and through the SDK\'s stream helper', async () => {
  const asChat = await chat.chat.completions.create({ ...chatBase, max_tokens: 12 });
  const r = await chat.responses.create({ model: chatModel, instructions: 'You are terse.', input: 'Say hi.',
    max_output_tokens: 12, temperature: 0 });
  assert.equal(r.object, 'response');
  assert.ok(r.id.startsWith('resp_'), r.id);
  assert.equal(r.output_text, asChat.choices[0].message.content);
  assert.equal(r.output_hash, asChat.choices[0].output_hash);
  assert.equal(r.fingerprint, asChat.choices[0].fingerprint);
  assert.equal(r.usage.input_tokens, asChat.usage.prompt_tokens);
  assert.equal(r.usage.output_tokens, asChat.usage.completion_tokens);
  assert.equal(r.status, asChat.choices[0].finish_reason === 'length' ? 'incomplete' : 'completed');
  const stream = chat.responses.stream({ model: chatModel, instructions: 'You are terse.', input: 'Say hi.',
    max_output_tokens: 12, temperature: 0 });
  let deltas = '';
  stream.on('response.output_text.delta', e => { deltas += e.delta; });
  const streamed = await stream.finalResponse();
  // (the SDK adds output_text to a created response, not to a stream's final one)
  const text = streamed.output.filter(o => o.type === 'message').flatMap(o => o.content).map(c => c.text).join('');
  assert.equal(text, r.output_text);
  assert.equal(deltas, r.output_text);
  assert.equal(streamed.output_hash, r.output_hash);
  // message items as input, the same prompt as instructions + a string
  const items = await chat.responses.create({ model: chatModel, max_output_tokens: 12, temperature: 0,
    input: [{ role: 'developer', content: 'You are terse.' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Say hi.' }] }] });
  assert.equal(items.fingerprint, r.fingerprint);
  // the SDK's stateless next turn: the output items sent back as input, the reasoning item on its assistant turn,
  // the same prompt as chat's messages with the assistant's reasoning (one fingerprint: the same prompt token ids)
  const regex = '<think>\n[a-z]{2,8}( [a-z]{2,8}){1,3}\n</think>\n\n[a-z]{2,8}( [a-z]{2,8}){1,3}';
  const thought = await chat.responses.create({ model: chatModel, input: 'Say hi.', max_output_tokens: 120,
    temperature: 0, guided_regex: regex });
  assert.deepEqual(thought.output.map(o => o.type), ['reasoning', 'message'], JSON.stringify(thought.output));
  const next = await chat.responses.create({ model: chatModel, max_output_tokens: 8, temperature: 0,
    input: [{ role: 'user', content: 'Say hi.' }, ...thought.output, { role: 'user', content: 'Again.' }] });
  const sameAsChat = await chat.chat.completions.create({ model: chatModel, max_tokens: 8, temperature: 0,
    messages: [{ role: 'user', content: 'Say hi.' }, { role: 'assistant', content: thought.output_text,
      reasoning: thought.output[0].content[0].text }, { role: 'user', content: 'Again.' }] });
  assert.equal(next.fingerprint, sameAsChat.choices[0].fingerprint);
  assert.equal(next.output_hash, sameAsChat.choices[0].output_hash);
});

await check('Responses API: include message.output_text.logprobs, chat\'s logprobs whole and streamed', async () => {
  const asked = { model: chatModel, input: 'Say hi.', max_output_tokens: 10, temperature: 0, top_logprobs: 2,
    include: ['message.output_text.logprobs'] };
  const r = await chat.responses.create(asked);
  const asChat = await chat.chat.completions.create({ model: chatModel, max_tokens: 10, temperature: 0,
    messages: [{ role: 'user', content: 'Say hi.' }], logprobs: true, top_logprobs: 2 });
  const listed = r.output.find(o => o.type === 'message').content[0].logprobs;
  assert.deepEqual(listed, asChat.choices[0].logprobs.content);
  assert.equal(listed.length, r.usage.output_tokens);
  const stream = chat.responses.stream(asked);
  const streamed = [];
  stream.on('response.output_text.delta', e => { streamed.push(...e.logprobs); });
  await stream.finalResponse();
  assert.deepEqual(streamed, listed);
});

await check('the Responses API: a forced function call, its result as input, errors naming Responses fields', async () => {
  const fn = { type: 'function', name: 'get_weather', parameters: weather.function.parameters };
  const r = await chat.responses.create({ model: chatModel, input: 'Weather in Rome?', max_output_tokens: 40,
    temperature: 0, tools: [fn], tool_choice: { type: 'function', name: 'get_weather' } });
  const call = r.output.find(o => o.type === 'function_call');
  assert.equal(call.name, 'get_weather', JSON.stringify(r.output));
  assert.ok(['Paris', 'Rome'].includes(JSON.parse(call.arguments).city), call.arguments);
  const next = await chat.responses.create({ model: chatModel, max_output_tokens: 8, temperature: 0, tools: [fn],
    input: [{ role: 'user', content: 'Weather in Rome?' }, call,
      { type: 'function_call_output', call_id: call.call_id, output: '21' }] });
  assert.equal(typeof next.output_text, 'string');
  // text.format json_schema: the output is JSON of the schema, as chat's response_format makes it
  const schema = { type: 'object', properties: { city: { type: 'string', enum: ['Paris', 'Rome'] } },
    required: ['city'], additionalProperties: false };
  const structured = await chat.responses.create({ model: chatModel, input: 'Which city?', max_output_tokens: 40,
    temperature: 0, text: { format: { type: 'json_schema', name: 'city', schema, strict: true } } });
  assert.ok(['Paris', 'Rome'].includes(JSON.parse(structured.output_text).city), structured.output_text);
  assert.deepEqual(structured.text.format.schema, schema);
  await rejects(chat.responses.create({ model: chatModel, input: 'x', max_output_tokens: -1 }),
    OpenAI.BadRequestError, 400, 'INVALID_PARAM', 'max_output_tokens');
  await rejects(chat.responses.create({ model: chatModel, input: 'x', previous_response_id: r.id }),
    OpenAI.BadRequestError, 400, 'INVALID_PARAM', 'previous_response_id');
  await rejects(chat.responses.create({ model: chatModel, input: 'x', tools: [{ type: 'web_search' }] }),
    OpenAI.BadRequestError, 400, 'INVALID_PARAM', 'tools[0].type');
});

await check('top_logprobs without logprobs is a 400', () =>
  rejects(chat.chat.completions.create({ ...chatBase, top_logprobs: 2 }), OpenAI.BadRequestError, 400,
    'INVALID_PARAM', 'top_logprobs'));

await check('n samples: sample i is the request seeded seed + i', async () => {
  const sampled = { ...base, temperature: 0.9, seed: 4 };
  const three = await client.completions.create({ ...sampled, n: 3 });
  assert.equal(three.choices.length, 3);
  for (let i = 0; i < 3; i++) {
    const alone = await client.completions.create({ ...sampled, seed: 4 + i });
    assert.equal(three.choices[i].index, i);
    assert.equal(three.choices[i].text, alone.choices[0].text);
    assert.equal(three.choices[i].output_hash, alone.choices[0].output_hash);
  }
});

await check('several prompts in one request, each prompt\'s answer in turn', async () => {
  const prompts = [PROMPT, 'The cat sat'];
  const both = await client.completions.create({ ...base, prompt: prompts });
  assert.equal(both.choices.length, 2);
  let tokens = 0;
  for (const [i, p] of prompts.entries()) {
    const alone = await client.completions.create({ ...base, prompt: p });
    assert.equal(both.choices[i].index, i);
    assert.equal(both.choices[i].output_hash, alone.choices[0].output_hash);
    tokens += alone.usage.total_tokens;
  }
  assert.equal(both.usage.total_tokens, tokens);
});

const streamed = { stream: true, stream_options: { include_usage: true } };

await check('streamed n samples: each choice by index equals the whole answer\'s', async () => {
  const sampled = { ...base, temperature: 0.9, seed: 4, n: 2, logprobs: 1 };
  const both = await client.completions.create(sampled);
  assert.notEqual(both.choices[0].output_hash, both.choices[1].output_hash);
  assertStreamedAsWhole(await collect(await client.completions.create({ ...sampled, ...streamed })), both);
});

await check('streamed chat n samples, each choice with its role', async () => {
  const sampled = { ...chatBase, temperature: 0.9, seed: 4, n: 2 };
  const both = await chat.chat.completions.create(sampled);
  const chunks = await collect(await chat.chat.completions.create({ ...sampled, ...streamed }));
  assertStreamedAsWhole(chunks, both);
  for (const i of [0, 1]) {
    assert.equal(chunks.find(c => c.choices[0]?.index === i).choices[0].delta.role, 'assistant');
  }
});

await check('several prompts streamed: choice p × n + j as the whole answer has it', async () => {
  const many = { ...base, prompt: [PROMPT, 'The cat sat'], temperature: 0.9, seed: 2, n: 2 };
  const whole = await client.completions.create(many);
  assert.equal(whole.choices.length, 4);
  assertStreamedAsWhole(await collect(await client.completions.create({ ...many, ...streamed })), whole);
});

await check('chat.completions.parse with a strict json_schema response_format', async () => {
  const schema = { type: 'object', properties: { answer: { type: 'string', enum: ['yes', 'no'] },
    confident: { type: 'boolean' } }, required: ['answer', 'confident'], additionalProperties: false };
  const r = await chat.chat.completions.parse({ ...chatBase, max_tokens: 48,
    response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema } } });
  const m = r.choices[0].message;
  assert.equal(r.choices[0].finish_reason, 'stop', m.content);
  assert.deepEqual(Object.keys(m.parsed), ['answer', 'confident'], m.content);
  assert.ok(['yes', 'no'].includes(m.parsed.answer), m.content);
  assert.equal(typeof m.parsed.confident, 'boolean', m.content);
});

await check('vLLM\'s guided_choice through the SDK\'s completions', async () => {
  const r = await client.completions.create({ ...base, guided_choice: ['happy', 'sad', 'very sad'] });
  assert.ok(['happy', 'sad', 'very sad'].includes(r.choices[0].text), r.choices[0].text);
  assert.equal(r.choices[0].finish_reason, 'stop');
});
