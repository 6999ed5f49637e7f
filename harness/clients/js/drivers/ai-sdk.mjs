// The Vercel AI SDK (`ai` with `@ai-sdk/openai-compatible`) on one recorded answer.
//
// Paths: a JSON answer goes through `generateText`, a stream through `streamText` (its fullStream
// read to the end). The request's tools are declared to the SDK with `jsonSchema(...)` input
// schemas and no `execute`, so the SDK reports the calls and does not loop. A stream error (an
// `error` part, which is also what `onError` receives) counts as raised.
//
// Translation of the recorded request (what could not be expressed is noted per answer):
// - messages: system/developer → system (kept in place: allowSystemInMessages); user text, image_url and input_audio parts; assistant
//   text and tool calls; tool results (their tool name looked up from the assistant's call).
//   Other parts and the deprecated `function` role are dropped with a note.
// - tools → tools (description, parameters as jsonSchema, strict); tool_choice → toolChoice;
//   response_format json_schema → Output.object (the SDK then sends json_schema itself, strict as
//   recorded), json_object → Output.json(); max_tokens/max_completion_tokens → maxOutputTokens;
//   temperature, top_p, presence/frequency_penalty, stop, seed → their settings;
//   stream_options.include_usage → the provider's includeUsage.
// - everything else (n, logprobs, modalities, extra_body, parallel_tool_calls, ...) goes through
//   providerOptions, which this provider copies into the request body unchanged.
// maxRetries is 0: a retry would be served the same recorded answer.
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, Output, StreamProviderError, generateText, jsonSchema, streamText, tool } from 'ai';
import { baseURL, newSent, pathReport, raised, recordedFetch } from './_common.mjs';

const PROVIDER = 'recorded';
const HANDLED = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'response_format', 'stream', 'stream_options',
  'max_tokens', 'max_completion_tokens', 'temperature', 'top_p', 'presence_penalty', 'frequency_penalty', 'stop', 'seed',
]);
const REASONS = { 'tool-calls': 'tool_calls', 'content-filter': 'content_filter' };

function text(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.filter((p) => p?.type === 'text').map((p) => p.text).join('');
  return '';
}

function parseArguments(value) {
  if (typeof value !== 'string') return value ?? {};
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function userParts(content, notes) {
  if (typeof content === 'string') return content;
  const parts = [];
  for (const part of content ?? []) {
    if (part?.type === 'text') parts.push({ type: 'text', text: part.text });
    else if (part?.type === 'image_url') parts.push({ type: 'image', image: part.image_url?.url ?? part.image_url });
    else if (part?.type === 'input_audio') {
      const format = part.input_audio?.format ?? 'wav';
      parts.push({ type: 'file', data: part.input_audio?.data, mediaType: format === 'mp3' ? 'audio/mpeg' : `audio/${format}` });
    } else notes.push(`a user content part of type ${JSON.stringify(part?.type)} cannot be given to the AI SDK: dropped`);
  }
  return parts;
}

function messages(recorded, notes) {
  const out = [];
  const toolNames = new Map();
  for (const message of recorded ?? []) {
    switch (message?.role) {
      case 'system':
      case 'developer':
        out.push({ role: 'system', content: text(message.content) });
        break;
      case 'user':
        out.push({ role: 'user', content: userParts(message.content, notes) });
        break;
      case 'assistant': {
        const parts = [];
        const said = text(message.content);
        if (said) parts.push({ type: 'text', text: said });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function?.name);
          parts.push({ type: 'tool-call', toolCallId: call.id, toolName: call.function?.name, input: parseArguments(call.function?.arguments) });
        }
        out.push({ role: 'assistant', content: parts });
        break;
      }
      case 'tool':
        out.push({
          role: 'tool',
          content: [{
            type: 'tool-result',
            toolCallId: message.tool_call_id,
            toolName: toolNames.get(message.tool_call_id) ?? 'unknown',
            output: { type: 'text', value: text(message.content) },
          }],
        });
        break;
      default:
        notes.push(`a message with role ${JSON.stringify(message?.role)} cannot be given to the AI SDK: dropped`);
    }
  }
  return out;
}

function tools(recorded, notes) {
  if (!Array.isArray(recorded) || !recorded.length) return undefined;
  const out = {};
  for (const entry of recorded) {
    if (entry?.type !== 'function' || !entry.function?.name) {
      notes.push(`a tool of type ${JSON.stringify(entry?.type)} cannot be declared to the AI SDK: dropped`);
      continue;
    }
    const fn = entry.function;
    out[fn.name] = tool({
      description: fn.description,
      inputSchema: jsonSchema(fn.parameters ?? { type: 'object', properties: {} }),
      ...(fn.strict != null ? { strict: fn.strict } : {}),
    });
  }
  return out;
}

function toolChoice(choice) {
  if (choice == null) return undefined;
  if (typeof choice === 'string') return choice;
  if (choice.type === 'function' && choice.function?.name) return { type: 'tool', toolName: choice.function.name };
  return undefined;
}

function settings(message, sent, notes) {
  const request = message.request;
  const options = {};
  for (const [key, value] of Object.entries(request)) if (!HANDLED.has(key)) options[key] = value;
  const responseFormat = request.response_format;
  let output;
  if (responseFormat?.type === 'json_schema') {
    const spec = responseFormat.json_schema ?? {};
    output = Output.object({ schema: jsonSchema(spec.schema ?? {}), name: spec.name, description: spec.description });
    options.strictJsonSchema = spec.strict === true;
  } else if (responseFormat?.type === 'json_object') {
    output = Output.json();
  }
  const provider = createOpenAICompatible({
    name: PROVIDER,
    baseURL: baseURL(message.url),
    apiKey: 'recorded-answer',
    fetch: recordedFetch(message.answer, sent),
    includeUsage: request.stream_options?.include_usage === true,
    supportsStructuredOutputs: responseFormat?.type === 'json_schema',
  });
  const stop = request.stop == null ? undefined : Array.isArray(request.stop) ? request.stop : [request.stop];
  const chosen = toolChoice(request.tool_choice);
  if (request.tool_choice != null && chosen === undefined) notes.push('tool_choice cannot be expressed in the AI SDK: left out');
  return {
    model: provider(request.model ?? 'unknown'),
    messages: messages(request.messages, notes),
    tools: tools(request.tools, notes),
    toolChoice: chosen,
    output,
    maxOutputTokens: request.max_completion_tokens ?? request.max_tokens,
    temperature: request.temperature,
    topP: request.top_p,
    presencePenalty: request.presence_penalty,
    frequencyPenalty: request.frequency_penalty,
    stopSequences: stop,
    seed: request.seed,
    providerOptions: { [PROVIDER]: options },
    // System messages stay where the recording has them (the SDK wants them in `instructions` by default).
    allowSystemInMessages: true,
    maxRetries: 0,
  };
}

function toolCalls(calls) {
  return calls.map((call) => ({
    id: call.toolCallId,
    type: 'function',
    function: { name: call.toolName, arguments: call.input },
    ...(call.invalid ? { invalid: true } : {}),
  }));
}

function usage(u) {
  if (!u || (u.inputTokens == null && u.outputTokens == null && u.totalTokens == null)) return null;
  return { prompt_tokens: u.inputTokens ?? null, completion_tokens: u.outputTokens ?? null, total_tokens: u.totalTokens ?? null };
}

function completion({ content, calls, finishReason, totalUsage }) {
  const message = { role: 'assistant', content };
  if (calls.length) message.tool_calls = toolCalls(calls);
  return {
    object: 'chat.completion',
    choices: [{ index: 0, message, finish_reason: finishReason == null ? null : (REASONS[finishReason] ?? finishReason) }],
    usage: usage(totalUsage),
  };
}

// APICallError also reports a failure to read a 200 answer (statusCode 200): only a non-2xx is the status error.
const isStatusError = (error) => APICallError.isInstance(error) && error.statusCode != null && (error.statusCode < 200 || error.statusCode >= 300);
// An `error` object the server sent in the stream reaches the error part as a StreamProviderError
// (or as that plain object, when it has no message the SDK can read).
const isServerError = (error) =>
  StreamProviderError.isInstance(error) || (error !== null && typeof error === 'object' && !(error instanceof Error));
const failed = (error, count, notes) => ({ raised: raised(error, count), status_error: isStatusError(error), server_error: isServerError(error), notes });

async function generate(message) {
  const sent = newSent();
  const notes = [];
  try {
    const config = settings(message, sent, notes);
    const result = await generateText(config);
    const calls = result.content.filter((part) => part.type === 'tool-call');
    if (config.output) await result.output; // the SDK parses (and validates) structured output here
    const assembled = completion({ content: result.text, calls, finishReason: result.finishReason, totalUsage: result.usage });
    return pathReport('generateText', { assembled, notes }, message.request, sent);
  } catch (error) {
    return pathReport('generateText', failed(error, null, notes), message.request, sent);
  }
}

async function stream(message) {
  const sent = newSent();
  const notes = [];
  let rawChunks = 0;
  const errors = [];
  try {
    const config = settings(message, sent, notes);
    const result = streamText({ ...config, includeRawChunks: true, onError: ({ error }) => errors.push({ error, count: rawChunks }) });
    let content = '';
    const calls = [];
    let finishReason = null;
    let totalUsage = null;
    for await (const part of result.fullStream) {
      if (part.type === 'raw') rawChunks += 1;
      else if (part.type === 'text-delta') content += part.text;
      else if (part.type === 'tool-call') calls.push(part);
      else if (part.type === 'error' && !errors.some((e) => e.error === part.error)) errors.push({ error: part.error, count: rawChunks });
      else if (part.type === 'finish') {
        finishReason = part.finishReason;
        totalUsage = part.totalUsage;
      }
    }
    if (errors.length) {
      const { error, count } = errors[0];
      return pathReport('streamText', failed(error, count, notes), message.request, sent);
    }
    if (config.output) await result.output;
    const assembled = completion({ content, calls, finishReason, totalUsage });
    return pathReport('streamText', { assembled, notes }, message.request, sent);
  } catch (error) {
    return pathReport('streamText', failed(error, rawChunks, notes), message.request, sent);
  }
}

export async function run(message) {
  return { paths: [message.stream ? await stream(message) : await generate(message)] };
}
