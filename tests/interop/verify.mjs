// Verify a signed request with the npm http-message-signatures package (RFC 9421, Ed25519).
// stdin:  {method, url, headers, body_b64, public_key (base64url raw or PEM), required_fields,
//          required_params, max_skew}
// stdout: {verified: true|false|null, digest: "ok"|"mismatch"|"absent", error: string|null}
import { createPublicKey } from 'node:crypto';
import { createVerifier, httpbis } from 'http-message-signatures';
import { digestMatches, headerValue, readJson, writeJson } from './common.mjs';

function publicKey(text) {
  if (text.includes('-----BEGIN')) return createPublicKey(text);
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: text }, format: 'jwk' });
}

const input = await readJson();
const body = Buffer.from(input.body_b64 ?? '', 'base64');
const key = publicKey(input.public_key);
const maxSkew = input.max_skew ?? 300;
const digestHeader = headerValue(input.headers, 'content-digest');
const digest = digestHeader === undefined ? 'absent' : digestMatches(digestHeader, body) ? 'ok' : 'mismatch';
try {
  const verified = await httpbis.verifyMessage(
    {
      keyLookup: async (params) => ({ id: params.keyid, algs: ['ed25519'], verify: createVerifier(key, 'ed25519') }),
      requiredFields: input.required_fields ?? [],
      requiredParams: input.required_params ?? [],
      // The package compares created - tolerance with both limits, so a window of
      // now - maxSkew ..= now + maxSkew needs maxAge = 2 * maxSkew.
      tolerance: maxSkew,
      maxAge: 2 * maxSkew,
    },
    { method: input.method, url: input.url, headers: input.headers },
  );
  writeJson({ verified, digest, error: null });
} catch (error) {
  writeJson({ verified: false, digest, error: `${error.name}: ${error.message}` });
}
