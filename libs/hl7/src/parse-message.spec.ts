import { Hl7ErrorCode } from './hl7-error';
import type { Hl7Message } from './hl7-message';
import { parseHeader, parseMessage, type ParseResult } from './parse-message';

const ADT = [
  'MSH|^~\\&|ADT1|GOOD HEALTH HOSPITAL|TESSERA|RADIOLOGY^1.2.3^ISO|20260101120000||ADT^A01^ADT_A01|MSG00001|P|2.5.1',
  'EVN|A01|20260101120000',
  'PID|1||PATID1234^^^HOSP^MR~987654^^^NATION^NI||EVERYMAN^ADAM^A^III||19610615|M',
  'PV1|1|I|2000^2012^01',
].join('\r');

function parsed(text: string | Buffer): Hl7Message {
  const result = parseMessage(typeof text === 'string' ? Buffer.from(text, 'latin1') : text);
  if (!result.ok) throw new Error(`expected a message, got ${result.error.code}: ${result.error.message}`);
  return result.message;
}

function failed(result: ParseResult): Extract<ParseResult, { ok: false }> {
  if (result.ok) throw new Error('expected a parse error');
  return result;
}

describe('parseMessage: segments, fields and delimiters (HL7 v2.5.1 2.5, 2.6)', () => {
  it('numbers MSH fields from the field separator (MSH-1) and splits the others into repetitions, components and subcomponents', () => {
    const message = parsed(ADT);
    expect(message.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1']);
    const msh = message.header;
    expect(msh.value(1)).toBe('|');
    expect(msh.value(2)).toBe('^~\\&');
    expect(msh.value(3)).toBe('ADT1');
    expect(msh.field(6)).toEqual([[['RADIOLOGY'], ['1.2.3'], ['ISO']]]);
    expect(message.messageType).toEqual({ code: 'ADT', trigger: 'A01', structure: 'ADT_A01' });
    expect(message.controlId).toBe('MSG00001');
    expect(message.version).toBe('2.5.1');
    const pid = message.segments[2]!;
    expect(pid.value(1)).toBe('1');
    expect(pid.field(2)).toEqual([]);
    expect(pid.field(3).map((r) => r.map((c) => c[0]))).toEqual([
      ['PATID1234', '', '', 'HOSP', 'MR'],
      ['987654', '', '', 'NATION', 'NI'],
    ]);
    expect(pid.value(5, 2)).toBe('ADAM');
    expect(pid.field(99)).toEqual([]);
    expect(message.characterSet).toEqual({ code: '', encoding: 'ascii' });
  });

  it('reads subcomponents', () => {
    const message = parsed(`${ADT}\rORC|NW|A100&PLACER&1.2.3&ISO`);
    expect(message.segments[4]!.field(2)).toEqual([[['A100', 'PLACER', '1.2.3', 'ISO']]]);
  });

  it('takes LF and CRLF as segment terminators, and ignores empty lines', () => {
    const reference = parsed(ADT);
    for (const text of [ADT.replaceAll('\r', '\n'), ADT.replaceAll('\r', '\r\n'), `${ADT}\r\n\r\n`, ADT.replaceAll('\r', '\r\r')]) {
      expect(parsed(text).segments).toEqual(reference.segments);
    }
  });

  it('uses the delimiters MSH-1 and MSH-2 give, whatever they are', () => {
    const custom = ADT.replace('MSH|^~\\&|', 'MSH#$*!@#').replaceAll('|', '#').replaceAll('^', '$').replaceAll('~', '*');
    const message = parsed(custom);
    expect(message.encoding).toEqual({ field: '#', component: '$', repetition: '*', escape: '!', subcomponent: '@' });
    expect(message.header.value(1)).toBe('#');
    expect(message.header.value(2)).toBe('$*!@');
    const reference = parsed(ADT);
    expect(message.segments.slice(1)).toEqual(reference.segments.slice(1));
    expect(message.messageType).toEqual(reference.messageType);
  });

  it('tolerates the truncation character of v2.7 as a fifth encoding character', () => {
    expect(parsed(ADT.replace('^~\\&|', '^~\\&#|')).header.value(2)).toBe('^~\\&#');
  });
});

describe('parseMessage: escape sequences (HL7 v2.5.1 2.7)', () => {
  const obx = (value: string, msh18 = ''): Hl7Message => parsed(Buffer.from(`MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1||||||${msh18}\rOBX|1|TX|||${value}`, 'latin1'));

  it('resolves the delimiter escapes \\F\\ \\S\\ \\T\\ \\R\\ \\E\\', () => {
    expect(obx('a\\F\\b\\S\\c\\T\\d\\R\\e\\E\\f').segments[1]!.value(5)).toBe('a|b^c&d~e\\f');
  });

  it('resolves hexadecimal data \\Xhh\\ in the message character set', () => {
    expect(obx('tab\\X09\\here \\X414243\\').segments[1]!.value(5)).toBe('tab\there ABC');
    expect(obx('M\\XC3BC\\ller', 'UNICODE UTF-8').segments[1]!.value(5)).toBe('Müller');
    expect(obx('M\\XFC\\ller', '8859/1').segments[1]!.value(5)).toBe('Müller');
  });

  it('refuses hexadecimal data that is not text in the character set, naming the field', () => {
    const { error } = failed(parseMessage(Buffer.from('MSH|^~\\&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1\rOBX|1|TX|||M\\XFC\\ller', 'latin1')));
    expect(error.code).toBe(Hl7ErrorCode.InvalidCharacters);
    expect(error.location).toEqual({ segment: 'OBX', sequence: 2, field: 5, component: 1 });
  });

  it('keeps formatting, character set and local escapes, and an unterminated escape, as they are', () => {
    expect(obx('\\H\\bold\\N\\ line\\.br\\next \\Zlocal\\ \\C2842\\').segments[1]!.value(5)).toBe('\\H\\bold\\N\\ line\\.br\\next \\Zlocal\\ \\C2842\\');
    expect(obx('C:\\dir').segments[1]!.value(5)).toBe('C:\\dir');
  });

  it('escapes with the escape character MSH-2 gives', () => {
    const message = parsed('MSH|^~!&|A|B|C|D|20260101||ORU^R01|1|P|2.5.1\rOBX|1|TX|||a!F!b!S!c\\d');
    expect(message.segments[1]!.value(5)).toBe('a|b^c\\d');
  });
});

describe('parseMessage: character sets per MSH-18 (HL7 v2.5.1 2.15.9.18, Table 0211)', () => {
  const withName = (msh18: string, name: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`MSH|^~\\&|A|B|C|D|20260101||ADT^A08|7|P|2.5.1||||||${msh18}\rPID|1||P1||`, 'latin1'), name, Buffer.from('^Åsa\r', msh18 === '8859/1' ? 'latin1' : 'utf8')]);

  it('decodes 8859/1 byte for byte (not as windows-1252)', () => {
    const message = parsed(withName('8859/1', Buffer.from([0x53, 0x74, 0x72, 0xf6, 0x6d, 0x80])));
    expect(message.characterSet).toEqual({ code: '8859/1', encoding: 'latin1' });
    expect(message.segments[1]!.value(5, 1)).toBe('Ström\u0080');
    expect(message.segments[1]!.value(5, 2)).toBe('Åsa');
  });

  it('decodes UNICODE UTF-8, and "UTF-8" alone', () => {
    for (const code of ['UNICODE UTF-8', 'UTF-8']) {
      const message = parsed(withName(code, Buffer.from('Ström 山田', 'utf8')));
      expect(message.characterSet).toEqual({ code, encoding: 'utf8' });
      expect(message.segments[1]!.value(5)).toBe('Ström 山田');
    }
  });

  it('refuses bytes beyond ASCII in a message without MSH-18, naming the segment and field', () => {
    const { error, received } = failed(parseMessage(withName('', Buffer.from('Ström', 'latin1'))));
    expect(error.code).toBe(Hl7ErrorCode.InvalidCharacters);
    expect(error.message).toContain('0xf6');
    expect(error.location).toEqual({ segment: 'PID', sequence: 2, field: 5 });
    expect(received.header?.value(10)).toBe('7');
  });

  it('refuses bytes that are not UTF-8 (a stray byte, an overlong form, a surrogate, a cut sequence)', () => {
    for (const bad of [[0xf6], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe5, 0xb1]]) {
      const { error } = failed(parseMessage(withName('UNICODE UTF-8', Buffer.from([0x53, ...bad, 0x5e]))));
      expect(error.code).toBe(Hl7ErrorCode.InvalidCharacters);
      expect(error.location).toEqual({ segment: 'PID', sequence: 2, field: 5 });
    }
  });

  it('refuses a character set it does not read, or code extensions, and still reads MSH for the reply', () => {
    for (const msh18 of ['ISO IR87', 'UNICODE', '8859/1~ISO IR87']) {
      const { error, received } = failed(parseMessage(withName(msh18, Buffer.from('X'))));
      expect(error.code).toBe(Hl7ErrorCode.UnsupportedCharacterSet);
      expect(error.location).toEqual({ segment: 'MSH', sequence: 1, field: 18 });
      expect(error.message).toContain('UNICODE UTF-8');
      expect(received.characterSet.encoding).toBe('ascii');
      expect(received.header?.value(10)).toBe('7');
      expect(received.header?.value(9, 2)).toBe('A08');
    }
  });
});

describe('parseMessage: what is not a message', () => {
  it('refuses an empty message', () => {
    for (const text of ['', '\r\n', '  \r']) expect(failed(parseMessage(Buffer.from(text))).error.code).toBe(Hl7ErrorCode.EmptyMessage);
  });

  it('refuses a message that does not begin with MSH, and says so of batches', () => {
    const { error, received } = failed(parseMessage(Buffer.from('PID|1||P1\rPV1|1')));
    expect(error.code).toBe(Hl7ErrorCode.MissingHeader);
    expect(error.location).toEqual({ segment: 'PID', sequence: 1 });
    expect(received.header).toBeUndefined();
    expect(failed(parseMessage(Buffer.from(`FHS|^~\\&\rBHS|^~\\&\r${ADT}`))).error.message).toContain('batches');
  });

  it('refuses encoding characters that cannot be delimiters, naming MSH-1 or MSH-2', () => {
    const rest = 'A|B|C|D|20260101||ADT^A01|9|P|2.5.1';
    const cases: [string, 1 | 2, string][] = [
      [`MSHA^~\\&A${rest.replaceAll('|', 'A')}`, 1, 'not a letter or a digit'],
      ['MSH\rPID|1', 1, 'missing'],
      [`MSH|^~\\|${rest}`, 2, '3 characters'],
      [`MSH|^~^&|${rest}`, 2, 'repeats'],
      [`MSH|^~\\^|${rest}`, 2, 'repeats'],
      [`MSH|^~x&|${rest}`, 2, 'not letters or digits'],
    ];
    for (const [text, field, reason] of cases) {
      const { error } = failed(parseMessage(Buffer.from(text)));
      expect(error.code).toBe(Hl7ErrorCode.InvalidEncodingCharacters);
      expect(error.location).toEqual({ segment: 'MSH', sequence: 1, field });
      expect(error.message).toContain(reason);
    }
  });

  it('still reads the control ID of a message whose MSH-2 is wrong, field by field', () => {
    const { received } = failed(parseMessage(Buffer.from('MSH|^~|APP|FAC|TESSERA|RAD|20260101||ADT^A01|CTRL9|P|2.4')));
    expect(received.header?.value(10)).toBe('CTRL9');
    expect(received.header?.value(3)).toBe('APP');
    expect(received.header?.value(9)).toBe('ADT^A01');
  });

  it('refuses a segment whose name is not three upper-case letters or digits, naming its sequence', () => {
    for (const [line, shown] of [
      ['pid|1', '"pid|"'],
      ['PI|1', '"PI|1"'],
      ['PIDX|1', '"PIDX"'],
      ['P-D|1', '"P-D|"'],
    ]) {
      const { error, received } = failed(parseMessage(Buffer.from(`${ADT}\r${line}\rOBX|1`)));
      expect(error.code).toBe(Hl7ErrorCode.InvalidSegmentName);
      expect(error.location?.sequence).toBe(5);
      expect(error.message).toContain(`segment 5 begins with ${shown}`);
      expect(received.header?.value(10)).toBe('MSG00001');
    }
    expect(parsed(`${ADT}\rZDS|1.2.3\rPID`).segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'ZDS', 'PID']);
  });

  it('refuses a second MSH: two messages in one frame', () => {
    const { error } = failed(parseMessage(Buffer.from(`${ADT}\r${ADT}`)));
    expect(error.code).toBe(Hl7ErrorCode.MisplacedSegment);
    expect(error.location).toEqual({ segment: 'MSH', sequence: 5 });
  });
});

describe('parseHeader', () => {
  it('reads the MSH of a message whose body it never sees', () => {
    const head = parseHeader(Buffer.from(`${ADT.slice(0, ADT.indexOf('\r'))}\rPID|1||${'X'.repeat(100)}`));
    expect(head.ok && head.received.header.value(10)).toBe('MSG00001');
  });
});
