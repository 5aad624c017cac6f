import { ASCII } from './character-set';
import { DEFAULT_ENCODING_CHARACTERS } from './encoding-characters';
import { escapeValue, unescapeValue } from './escape';

const AT = { segment: 'OBX', sequence: 2, field: 5 };

describe('escapeValue and unescapeValue (HL7 v2.5.1 2.7)', () => {
  it('escapes every delimiter, the escape character, CR and LF, and reads them back', () => {
    const value = 'a|b^c~d\\e&f\rg\nh';
    const escaped = escapeValue(value, DEFAULT_ENCODING_CHARACTERS);
    expect(escaped).toBe('a\\F\\b\\S\\c\\R\\d\\E\\e\\T\\f\\X0D\\g\\X0A\\h');
    expect(unescapeValue(escaped, DEFAULT_ENCODING_CHARACTERS, ASCII, AT)).toBe(value);
  });

  it('leaves text without delimiters alone', () => {
    expect(escapeValue('EVERYMAN ADAM 1961-06-15', DEFAULT_ENCODING_CHARACTERS)).toBe('EVERYMAN ADAM 1961-06-15');
  });

  it('takes hexadecimal data in upper or lower case, and leaves a malformed one as it is', () => {
    expect(unescapeValue('\\X4a4B\\', DEFAULT_ENCODING_CHARACTERS, ASCII, AT)).toBe('JK');
    expect(unescapeValue('\\X4\\ \\XZZ\\', DEFAULT_ENCODING_CHARACTERS, ASCII, AT)).toBe('\\X4\\ \\XZZ\\');
  });
});
