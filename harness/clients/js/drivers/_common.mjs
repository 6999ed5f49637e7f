// What every JavaScript driver shares: the fetch that serves the recorded answer, and how an
// exception is described to the harness.

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function decode(answer) {
  return answer.chunks.map((chunk) => new Uint8Array(Buffer.from(chunk, 'base64')));
}

function headersOf(answer) {
  const headers = new Headers();
  for (const [name, value] of answer.headers) {
    try {
      headers.append(name, value);
    } catch {
      // A header Fetch refuses (an illegal name or value) is one a fetch-based client never sees.
    }
  }
  return headers;
}

/**
 * A `fetch` that answers every call with the recorded answer: the recorded chunks, one per read,
 * then the end of the body (or, when the recording broke off, the error undici raises for a
 * connection reset: TypeError "terminated"). `sent` records the calls and the last request body.
 */
export function recordedFetch(answer, sent) {
  return async (url, init = {}) => {
    sent.count += 1;
    try {
      sent.body = typeof init.body === 'string' ? JSON.parse(init.body) : null;
    } catch {
      sent.body = null;
    }
    const chunks = decode(answer);
    let body = null;
    if (!NULL_BODY.has(answer.status)) {
      body = new ReadableStream({
        pull(controller) {
          if (chunks.length) controller.enqueue(chunks.shift());
          else if (answer.failure) controller.error(new TypeError('terminated'));
          else controller.close();
        },
      });
    }
    return new Response(body, { status: answer.status, headers: headersOf(answer) });
  };
}

export function newSent() {
  return { count: 0, body: null };
}

export function errorName(error) {
  if (error === null || typeof error !== 'object') return typeof error;
  const name = error.constructor?.name;
  return name && name !== 'Object' ? name : (error.name ?? 'Error');
}

/** The harness's view of an exception: class, message, and how far the client had got. */
export function raised(error, count, counting = 'chunks') {
  let message = error?.message;
  if (message == null) {
    try {
      message = JSON.stringify(error);
    } catch {
      message = String(error);
    }
  }
  return { exception: errorName(error), message: String(message), count, counting };
}

/** What an absent (or null) field means to every server: the same table as `_ABSENT_MEANS` in
 * harness/clients/_request.py, so that the four clients' notes agree. */
const ABSENT_MEANS = { stream: false, n: 1, logprobs: false };

/** Top-level request fields that what the client sent does not share with the recorded request
 * (a field sent with the value its absence means is no difference). */
export function sentDifferences(recorded, sent) {
  if (sent === null || typeof sent !== 'object') return null;
  const absent = (key) => (Object.hasOwn(ABSENT_MEANS, key) ? ABSENT_MEANS[key] : null);
  const canonical = (request, key) => JSON.stringify(sortKeys((Object.hasOwn(request, key) ? request[key] : null) ?? absent(key)));
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(sent)])].sort();
  const parts = [];
  for (const key of keys) {
    if (canonical(recorded, key) === canonical(sent, key)) continue;
    parts.push(!Object.hasOwn(sent, key) ? `-${key}` : !Object.hasOwn(recorded, key) ? `+${key}` : `~${key}`);
  }
  return parts.length ? `request sent differs from the recorded one: ${parts.join(' ')}` : null;
}

function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys(value[k])]));
  return value;
}

/** The base URL a client is given: the recorded URL without /chat/completions. */
export function baseURL(url) {
  if (!url) return 'http://127.0.0.1:9/v1';
  const parsed = new URL(url);
  parsed.search = '';
  parsed.hash = '';
  let text = parsed.toString();
  if (text.endsWith('/chat/completions')) text = text.slice(0, -'/chat/completions'.length);
  return text;
}

/** A path's report, with the notes every path shares. */
export function pathReport(path, fields, request, sent) {
  const notes = [...new Set(fields.notes ?? [])];
  const differs = sent.count ? sentDifferences(request, sent.body) : null;
  if (differs) notes.push(differs);
  const report = { path, sent: sent.count > 0, ...fields, notes };
  // An exception before anything was sent happened at no event of the answer.
  if (!report.sent && report.raised) report.raised = { ...report.raised, count: null };
  return report;
}
