// openai-node on one recorded answer.
//
// Paths: a JSON answer goes through `chat.completions.create(body)`; a stream through
// `chat.completions.stream(body).finalChatCompletion()` (the accumulating helper) and through plain
// iteration of `chat.completions.create({...body, stream: true})`.
//
// The request is the recorded body as it is: openai-node sends whatever keys it is given, so
// nothing needs translating (extra keys such as Vertex's `extra_body` go on the wire unchanged).
// maxRetries is 0: a retry would be served the same recorded answer, and only hide the first error.
import OpenAI from 'openai';
import { newSent, pathReport, raised, recordedFetch, baseURL } from './_common.mjs';

function client(message, sent) {
  return new OpenAI({
    apiKey: 'recorded-answer',
    baseURL: baseURL(message.url),
    fetch: recordedFetch(message.answer, sent),
    maxRetries: 0,
  });
}

const isStatusError = (error) => error instanceof OpenAI.APIError && typeof error.status === 'number';
// The stream raises the base APIError itself (no status) for an `error` payload the server sent.
const isServerError = (error) => error?.constructor === OpenAI.APIError && error.status == null;
const failed = (error, count) => ({ raised: raised(error, count), status_error: isStatusError(error), server_error: isServerError(error) });

function plain(value) {
  // What a user reads is the object itself; JSON keeps its data (and drops helper methods).
  return JSON.parse(JSON.stringify(value ?? null));
}

async function create(message) {
  const sent = newSent();
  const body = { ...message.request };
  if (body.stream) delete body.stream; // asked for a JSON answer: `stream: true` would make it another path
  try {
    const completion = await client(message, sent).chat.completions.create(body);
    return pathReport('create', { assembled: plain(completion) }, message.request, sent);
  } catch (error) {
    return pathReport('create', failed(error, null), message.request, sent);
  }
}

async function streamFinal(message) {
  const sent = newSent();
  const { stream: _stream, ...body } = message.request;
  let chunks = 0;
  try {
    const runner = client(message, sent).chat.completions.stream(body);
    runner.on('chunk', () => {
      chunks += 1;
    });
    const completion = await runner.finalChatCompletion();
    return pathReport('stream+finalChatCompletion', { assembled: plain(completion) }, message.request, sent);
  } catch (error) {
    // `chunk` fires after a chunk is accumulated: a chunk that makes accumulation throw is number `chunks`.
    return pathReport(
      'stream+finalChatCompletion',
      failed(error, chunks),
      message.request,
      sent,
    );
  }
}

async function createIterate(message) {
  const sent = newSent();
  const chunks = [];
  try {
    const stream = await client(message, sent).chat.completions.create({ ...message.request, stream: true });
    for await (const chunk of stream) chunks.push(plain(chunk));
    return pathReport('create(stream) iteration', { chunks }, message.request, sent);
  } catch (error) {
    return pathReport('create(stream) iteration', failed(error, chunks.length), message.request, sent);
  }
}

export async function run(message) {
  if (!message.stream) return { paths: [await create(message)] };
  return { paths: [await streamFinal(message), await createIterate(message)] };
}
