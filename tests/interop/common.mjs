// Shared by sign.mjs and verify.mjs: read the request as JSON on stdin, write JSON on stdout.
// RFC 9530 Content-Digest is not part of the npm http-message-signatures package, so it is
// computed here with Node's own crypto.
import { createHash } from 'node:crypto';

export async function readJson() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export function writeJson(value) {
  process.stdout.write(JSON.stringify(value) + '\n');
}

export function contentDigest(body, alg = 'sha-256') {
  const hash = createHash(alg.replace('-', '')).update(body).digest('base64');
  return `${alg}=:${hash}:`;
}

export function headerValue(headers, name) {
  const entry = Object.entries(headers).find(([key]) => key.toLowerCase() === name);
  return entry ? entry[1] : undefined;
}

// Every member of the Content-Digest dictionary must be a sha-256 or sha-512 digest of the body.
export function digestMatches(value, body) {
  const members = value.split(',').map((member) => member.trim()).filter(Boolean);
  return members.length > 0 && members.every((member) => {
    const alg = member.slice(0, member.indexOf('='));
    return (alg === 'sha-256' || alg === 'sha-512') && member === contentDigest(body, alg);
  });
}
