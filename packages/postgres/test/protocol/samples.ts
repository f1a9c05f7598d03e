import { hex } from '@postern/testing/bytes';

// Hand-assembled messages (type, int32 length counting itself, body), shared by the
// framer and parser tests. Lengths were counted by hand; the comments show the sums.

export const frontend = {
  // 'Q', 4 + 9: "select 1\0"
  query: hex('51 0000000d 73656c6563742031 00'),
  // 'P', 4 + 3 ("s1\0") + 10 ("select $1\0") + 2 (1 type) + 4 (oid 23) = 23
  parse: hex('50 00000017 733100 73656c65637420243100 0001 00000017'),
  // 'B', 4 + 4 (portal "", statement "s1") + 8 (3 formats: text, binary, text) + 2 (3 values)
  //   + 6 ("42") + 6 (00 ff) + 4 (NULL) + 4 (1 result format: binary) = 38
  bind: hex('42 00000026 | 00 733100 | 0003 0000 0001 0000 | 0003 | 00000002 3432 | 00000002 00ff | ffffffff | 0001 0001'),
  // 'E', 4 + 1 (portal "") + 4 (max rows 0) = 9
  execute: hex('45 00000009 00 00000000'),
  // 'C', 4 + 1 ('S') + 3 ("s1\0") = 8
  closeStatement: hex('43 00000008 53 733100'),
  // 'D', 4 + 1 ('P') + 1 ("") = 6
  describePortal: hex('44 00000006 50 00'),
  sync: hex('53 00000004'),
  flush: hex('48 00000004'),
  terminate: hex('58 00000004'),
  // 'F', 4 + 4 (oid 1598) + 4 (1 format: text) + 2 (1 arg) + 5 ("7") + 2 (result text) = 21
  functionCall: hex('46 00000015 0000063e 0001 0000 0001 00000001 37 0000'),
  // 'd', 4 + 4: "1\t2\n"
  copyData: hex('64 00000008 3109320a'),
  copyDone: hex('63 00000004'),
  // 'f', 4 + 5: "oops\0"
  copyFail: hex('66 00000009 6f6f707300'),
  // 'p' (a password message; not expected after startup, kept as unknown), 4 + 2
  unknown: hex('70 00000006 7800'),
};

export const backend = {
  authenticationOk: hex('52 00000008 00000000'),
  // 'R', 4 + 4 (10 = SASL) + 14 ("SCRAM-SHA-256\0") + 1 (end of list) = 23
  authenticationSasl: hex('52 00000017 0000000a 534352414d2d5348412d32353600 00'),
  // 'R', 4 + 4 (5 = MD5) + 4 (salt) = 12
  authenticationMd5: hex('52 0000000c 00000005 01020304'),
  // 'S', 4 + 16 ("client_encoding\0") + 5 ("UTF8\0") = 25
  parameterStatus: hex('53 00000019 636c69656e745f656e636f64696e6700 5554463800'),
  // 'K', 4 + 4 (pid 1234) + 4 (key 0xdeadbeef) = 12
  backendKeyData: hex('4b 0000000c 000004d2 deadbeef'),
  readyForQuery: hex('5a 00000005 49'),
  // 'E', 4 + 7 (S "FATAL") + 7 (C "28000") + 4 (M "no") + 1 = 23
  errorResponse: hex('45 00000017 53 464154414c00 43 323830303000 4d 6e6f00 00'),
  // 'N', 4 + 8 (S "NOTICE") + 7 (C "00000") + 3 (M "x") + 3 (H "h") + 1 = 26
  noticeResponse: hex('4e 0000001a 53 4e4f5449434500 43 303030303000 4d 7800 48 6800 00'),
  // 'C', 4 + 9: "SELECT 1\0"
  commandComplete: hex('43 0000000d 53454c4543542031 00'),
  // 'v', 4 + 4 (newest minor 0) + 4 (1 option) + 7 ("_pq_.x\0") = 19
  negotiateProtocolVersion: hex('76 00000013 00000000 00000001 5f70715f2e7800'),
  // 'D' (DataRow), not parsed by the engine: 4 + 2 (1 column) + 4 + 1 = 11
  dataRow: hex('44 0000000b 0001 00000001 31'),
};

export const startup = {
  sslRequest: hex('00000008 04d2162f'),
  gssEncRequest: hex('00000008 04d21630'),
  // 16 bytes: code 1234/5678, pid 1234, key 0xdeadbeef
  cancelRequest: hex('00000010 04d2162e 000004d2 deadbeef'),
  // 4 + 4 (3.0) + 7 ("user\0u\0") + 11 ("database\0d\0") + 1 = 27
  startupMessage: hex('0000001b 00030000 7573657200 7500 646174616261736500 6400 00'),
  // protocol 2.0, no parameters: 8 bytes
  protocol2: hex('00000008 00020000'),
};
