#!/usr/bin/env bash
# Builds the project's own hardware-token seed files (backend/tests/fixtures/tokens/) with
# openssl, following RFC 6030: plaintext (§4), AES-256-CBC with an HMAC-SHA256 MAC under a
# pre-shared key (§6.1, §6.1.1), PBKDF2 with AES-128-CBC and HMAC-SHA1 (§6.2), and one CSV of
# each shape the importer reads. The secrets are this project's own test secrets; the IVs are
# fixed so the outputs are reproducible (a real exporter draws a fresh IV per value).
#
#   scripts/make-token-fixtures.sh      # rewrites the committed files
set -euo pipefail
cd "$(dirname "$0")/.."
out=backend/tests/fixtures/tokens
mkdir -p "$out"

b64() { xxd -r -p | base64 -w0; }
hex_of() { printf '%s' "$1" | xxd -p | tr -d '\n'; }

# AES-CBC of hex plaintext under hex key with hex IV; prints base64 of IV || ciphertext.
# openssl pads with PKCS#7, which satisfies XML Encryption's padding rule (last byte = count).
encrypt() { # cipher keyhex ivhex plainhex
  { printf '%s' "$3"; printf '%s' "$4" | xxd -r -p | openssl enc "-$1" -K "$2" -iv "$3" | xxd -p | tr -d '\n'; } | b64
}
# HMAC over IV || ciphertext (the decoded CipherValue); prints base64.
mac() { # digest mackeyhex cipherb64
  printf '%s' "$3" | base64 -d | openssl dgst "-$1" -mac HMAC -macopt "hexkey:$2" -binary | base64 -w0
}

# --- plaintext: one HOTP, one TOTP (SHA256, 8 digits, 60 s), one PIN key (skipped) ---------
hotp_secret=$(hex_of "twofold-plain-hotp-1")   # 20 bytes
totp_secret=$(hex_of "twofold-plain-totp-sha256-key-32") # 32 bytes
cat >"$out/plain.pskcxml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- Made by scripts/make-token-fixtures.sh: plaintext secrets (RFC 6030 §4). -->
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc">
  <KeyPackage>
    <DeviceInfo><Manufacturer>Twofold Test</Manufacturer><SerialNo>TF-PLAIN-H1</SerialNo><Model>H1</Model></DeviceInfo>
    <Key Id="k1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <Issuer>Twofold</Issuer>
      <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret><PlainValue>$(printf '%s' "$hotp_secret" | b64)</PlainValue></Secret>
        <Counter><PlainValue>5</PlainValue></Counter>
      </Data>
    </Key>
  </KeyPackage>
  <KeyPackage>
    <DeviceInfo><Manufacturer>Twofold Test</Manufacturer><SerialNo>TF-PLAIN-T1</SerialNo></DeviceInfo>
    <Key Id="k2" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
      <AlgorithmParameters><Suite>HMAC-SHA256</Suite><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret><PlainValue>$(printf '%s' "$totp_secret" | b64)</PlainValue></Secret>
        <Time><PlainValue>0</PlainValue></Time>
        <TimeInterval><PlainValue>60</PlainValue></TimeInterval>
      </Data>
    </Key>
  </KeyPackage>
  <KeyPackage>
    <DeviceInfo><SerialNo>TF-PLAIN-T1</SerialNo></DeviceInfo>
    <Key Id="k3" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:pin">
      <AlgorithmParameters><ResponseFormat Length="4" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data><Secret><PlainValue>$(printf '%s' "$(hex_of 1234)" | b64)</PlainValue></Secret></Data>
    </Key>
  </KeyPackage>
</KeyContainer>
XML

# --- pre-shared key AES-256-CBC, MAC HMAC-SHA256 ----------------------------------------------
psk=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
mac_key=$(hex_of "twofold-fixture-mac-key-32-bytes")
aes_secret=$(hex_of "twofold-aes256-totp-secret")
aes_hotp=$(hex_of "twofold-aes256-hotp-seed")
mac_key_ct=$(encrypt aes-256-cbc "$psk" a0a1a2a3a4a5a6a7a8a9aaabacadaeaf "$mac_key")
secret_ct=$(encrypt aes-256-cbc "$psk" b0b1b2b3b4b5b6b7b8b9babbbcbdbebf "$aes_secret")
hotp_ct=$(encrypt aes-256-cbc "$psk" c0c1c2c3c4c5c6c7c8c9cacbcccdcecf "$aes_hotp")
counter_ct=$(encrypt aes-256-cbc "$psk" d0d1d2d3d4d5d6d7d8d9dadbdcdddedf 000000000000002a)
aes_enc() { # cipherb64
  echo "<EncryptedValue><xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes256-cbc\"/><xenc:CipherData><xenc:CipherValue>$1</xenc:CipherValue></xenc:CipherData></EncryptedValue><ValueMAC>$(mac sha256 "$mac_key" "$1")</ValueMAC>"
}
cat >"$out/aes256.pskcxml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- Made by scripts/make-token-fixtures.sh: AES-256-CBC under the pre-shared key
     $psk, MAC HMAC-SHA256 (RFC 6030 §6.1). -->
<KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
  <EncryptionKey><ds:KeyName>Twofold fixture key</ds:KeyName></EncryptionKey>
  <MACMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#hmac-sha256">
    <MACKey>
      <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>
      <xenc:CipherData><xenc:CipherValue>$mac_key_ct</xenc:CipherValue></xenc:CipherData>
    </MACKey>
  </MACMethod>
  <KeyPackage>
    <DeviceInfo><Manufacturer>Twofold Test</Manufacturer><SerialNo>TF-AES-T1</SerialNo></DeviceInfo>
    <Key Id="a1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
      <Issuer>Twofold AES</Issuer>
      <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret>$(aes_enc "$secret_ct")</Secret>
        <TimeInterval><PlainValue>30</PlainValue></TimeInterval>
      </Data>
    </Key>
  </KeyPackage>
  <KeyPackage>
    <DeviceInfo><Manufacturer>Twofold Test</Manufacturer><SerialNo>TF-AES-H1</SerialNo></DeviceInfo>
    <Key Id="a2" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <AlgorithmParameters><ResponseFormat Length="8" Encoding="DECIMAL"/></AlgorithmParameters>
      <Data>
        <Secret>$(aes_enc "$hotp_ct")</Secret>
        <Counter>$(aes_enc "$counter_ct")</Counter>
      </Data>
    </Key>
  </KeyPackage>
</KeyContainer>
XML
# The same file with one bit of the first ValueMAC flipped: must import nothing.
python3 - "$out/aes256.pskcxml" "$out/aes256-bad-mac.pskcxml" <<'PY'
import base64, re, sys
text = open(sys.argv[1]).read()
m = re.search(r"<ValueMAC>([^<]+)</ValueMAC>", text)
raw = bytearray(base64.b64decode(m.group(1))); raw[0] ^= 1
open(sys.argv[2], "w").write(text[:m.start(1)] + base64.b64encode(bytes(raw)).decode() + text[m.end(1):])
PY

# --- PBKDF2 (password "twofold fixture"), AES-128-CBC, HMAC-SHA1 --------------------------------
salt=5477666f6c642d73616c74
password="twofold fixture"
kek=$(openssl kdf -keylen 16 -kdfopt digest:SHA1 -kdfopt "pass:$password" -kdfopt "hexsalt:$salt" \
  -kdfopt iter:2000 PBKDF2 | tr -d ':' | tr 'A-F' 'a-f')
mac_key1=$(hex_of "twofold-pbkdf2-mac-k")
pbe_secret=$(hex_of "twofold-pbkdf2-hotp-key")
mk_ct=$(encrypt aes-128-cbc "$kek" 01010101010101010101010101010101 "$mac_key1")
ps_ct=$(encrypt aes-128-cbc "$kek" 02020202020202020202020202020202 "$pbe_secret")
cat >"$out/pbkdf2.pskcxml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<!-- Made by scripts/make-token-fixtures.sh: PBKDF2 (password "$password", 2000 iterations)
     derives the AES-128 key $kek (RFC 6030 §6.2). -->
<pskc:KeyContainer Version="1.0" xmlns:pskc="urn:ietf:params:xml:ns:keyprov:pskc"
    xmlns:xenc11="http://www.w3.org/2009/xmlenc11#"
    xmlns:pkcs5="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#"
    xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
  <pskc:EncryptionKey>
    <xenc11:DerivedKey>
      <xenc11:KeyDerivationMethod Algorithm="http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2">
        <pkcs5:PBKDF2-params>
          <Salt><Specified>$(printf '%s' "$salt" | b64)</Specified></Salt>
          <IterationCount>2000</IterationCount>
          <KeyLength>16</KeyLength>
          <PRF/>
        </pkcs5:PBKDF2-params>
      </xenc11:KeyDerivationMethod>
      <xenc11:MasterKeyName>Twofold fixture password</xenc11:MasterKeyName>
    </xenc11:DerivedKey>
  </pskc:EncryptionKey>
  <pskc:MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1">
    <pskc:MACKey>
      <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
      <xenc:CipherData><xenc:CipherValue>$mk_ct</xenc:CipherValue></xenc:CipherData>
    </pskc:MACKey>
  </pskc:MACMethod>
  <pskc:KeyPackage>
    <pskc:DeviceInfo><pskc:SerialNo>TF-PBE-H1</pskc:SerialNo></pskc:DeviceInfo>
    <pskc:Key Id="p1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:hotp">
      <pskc:AlgorithmParameters><pskc:ResponseFormat Length="6" Encoding="DECIMAL"/></pskc:AlgorithmParameters>
      <pskc:Data>
        <pskc:Secret>
          <pskc:EncryptedValue>
            <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
            <xenc:CipherData><xenc:CipherValue>$ps_ct</xenc:CipherValue></xenc:CipherData>
          </pskc:EncryptedValue>
          <pskc:ValueMAC>$(mac sha1 "$mac_key1" "$ps_ct")</pskc:ValueMAC>
        </pskc:Secret>
      </pskc:Data>
    </pskc:Key>
  </pskc:KeyPackage>
</pskc:KeyContainer>
XML

# --- CSV: the three shapes -----------------------------------------------------------------------
b32() { printf '%s' "$1" | base32 -w0 | tr -d '='; }
cat >"$out/azure-server.csv" <<CSV
Serial Number,Secret Key,Time Interval
TF-CSV-A1,$(b32 "twofold-csv-azure-one"),30
TF-CSV-A2,$(b32 "twofold-csv-azure-two"),60
CSV
cat >"$out/entra.csv" <<CSV
upn,serial number,secret key,time interval,manufacturer,model
alice,TF-CSV-E1,$(b32 "twofold-csv-entra-alice" | tr 'A-Z' 'a-z'),30,Contoso,HardwareKey
,TF-CSV-E2,$(b32 "twofold-csv-entra-nobody"),30,Contoso,HardwareKey
CSV
cat >"$out/oath-hex.csv" <<CSV
serial,key,type,digits,timestep
TF-CSV-H1,$(hex_of "twofold-csv-hex-hotp-1"),hotp,6,
TF-CSV-H2,$(hex_of "twofold-csv-hex-totp-22"),TOTP,8,30
CSV
echo "wrote $(ls "$out" | wc -l) files to $out"
