// Decrypts one Web Push message body (RFC 8291, aes128gcm) with npm http_ece,
// as a browser would. stdin: {"private_key": b64url, "auth": b64url, "body": base64}.
const crypto = require('crypto');
const ece = require('http_ece');

let input = '';
process.stdin.on('data', chunk => { input += chunk; });
process.stdin.on('end', () => {
  const {private_key: privateKey, auth, body} = JSON.parse(input);
  const ecdh = crypto.createECDH('prime256v1');
  ecdh.setPrivateKey(Buffer.from(privateKey, 'base64url'));
  const plain = ece.decrypt(Buffer.from(body, 'base64'), {
    version: 'aes128gcm', privateKey: ecdh, authSecret: Buffer.from(auth, 'base64url'),
  });
  process.stdout.write(plain.toString('utf-8'));
});
