import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { TestPki, certificateSerial, generateKeys } from './certs.js';

/** The DER of one forge certificate with the given serial hex, parsed back by OpenSSL. */
function parseWithSerial(serialHex: string, keys = generateKeys()): X509Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  cert.setSubject([{ name: 'commonName', value: 'serial.test' }]);
  cert.setIssuer([{ name: 'commonName', value: 'serial.test' }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return new X509Certificate(forge.pki.certificateToPem(cert));
}

describe('certificate serials', () => {
  const keys = generateKeys();

  // The root cause of the "asn1 illegal padding" flake: the old generator padded a random
  // start below 0x8000 to "0000xxxx", forge wrote a redundant leading 0x00 byte, and OpenSSL 3
  // refused the certificate; the retry took the next serial, which had the same defect.
  it('a padded serial with a redundant leading zero byte is what OpenSSL refuses', () => {
    expect(() => parseWithSerial('00000100', keys)).toThrow(/illegal padding/);
  });

  it.each([
    ['all zero', Buffer.alloc(16, 0x00)],
    ['leading zero then small', Buffer.from([0x00, 0x01, ...Array(14).fill(0)])],
    ['sign bit set', Buffer.alloc(16, 0xff)],
    ['0x80 first', Buffer.from([0x80, ...Array(15).fill(0)])],
    ['0x7f first', Buffer.from([0x7f, ...Array(15).fill(0xff)])],
  ])('%s: a minimal positive DER integer that OpenSSL reads back', (_name, bytes) => {
    const serial = certificateSerial(bytes);
    expect(serial).toMatch(/^(0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/);
    expect(parseWithSerial(serial, keys).serialNumber.toLowerCase()).toBe(serial);
  });

  it('a test PKI parses with OpenSSL every time (CA, intermediate, leaf)', () => {
    for (let i = 0; i < 3; i++) {
      const pki = TestPki.create();
      const leaf = pki.leaf({ commonName: 'leaf.test' });
      for (const pem of [pki.ca.certPem, pki.intermediate.certPem, leaf.certPem]) {
        expect(() => new X509Certificate(pem)).not.toThrow();
      }
    }
  });
});
