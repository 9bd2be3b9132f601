// Sign a request with the npm http-message-signatures package (RFC 9421, Ed25519).
// stdin:  {method, url, headers, body_b64, private_key (PEM), keyid, created, nonce, tag, fields, label}
// stdout: {headers}: the request's headers with Content-Digest (for a body), Signature-Input, Signature.
import { createPrivateKey } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { contentDigest, headerValue, readJson, writeJson } from './common.mjs';

const input = await readJson();
const body = Buffer.from(input.body_b64 ?? '', 'base64');
const headers = { ...input.headers };
if ((body.length > 0 || input.fields.includes('content-digest')) && !headerValue(headers, 'content-digest')) {
  headers['Content-Digest'] = contentDigest(body);
}
const paramValues = { created: new Date(input.created * 1000), keyid: input.keyid };
const params = ['created', 'keyid'];
for (const name of ['nonce', 'tag']) {
  if (input[name] != null) {
    params.push(name);
    paramValues[name] = input[name];
  }
}
const signed = await httpbis.signMessage(
  {
    key: createSigner(createPrivateKey(input.private_key), 'ed25519', input.keyid),
    name: input.label ?? 'sig1',
    fields: input.fields,
    params,
    paramValues,
  },
  { method: input.method, url: input.url, headers },
);
writeJson({ headers: signed.headers });
