import { must } from './must';

describe('must', () => {
  it('gives back a present value, falsy ones included', () => {
    expect(must('a', 'a letter')).toBe('a');
    expect(must(0, 'a count')).toBe(0);
    expect(must('', 'a text')).toBe('');
    expect(must(false, 'a flag')).toBe(false);
  });

  it('throws an Error naming what is missing', () => {
    expect(() => must(undefined, 'the account just created')).toThrow('expected the account just created, found undefined');
    expect(() => must(null, 'the count row')).toThrow('expected the count row, found null');
  });
});
