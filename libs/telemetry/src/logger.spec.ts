import { createLogger } from './logger';

describe('createLogger', () => {
  it('writes one JSON object per line whose own level and message cannot be overridden by fields', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', write: (l) => lines.push(l) }, { service: 'test' });
    logger.child({ component: 'c' }).warn('hello', { level: 'STUDY', count: 2 });
    logger.debug('below the threshold');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ level: 'warn', msg: 'hello', service: 'test', component: 'c', count: 2 });
    expect(Object.keys(JSON.parse(lines[0] as string)).slice(0, 3)).toEqual(['time', 'level', 'msg']);
  });
});
