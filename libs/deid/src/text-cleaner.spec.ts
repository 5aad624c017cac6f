import { conservativeTextCleaner } from './text-cleaner';

describe('conservativeTextCleaner', () => {
  it('keeps descriptors that carry no identifier', () => {
    expect(conservativeTextCleaner('CT CHEST W/O CONTRAST', ['DOE', 'JOHN', '12345'])).toBe('CT CHEST W/O CONTRAST');
    expect(conservativeTextCleaner('T2 AX FLAIR 3mm', [])).toBe('T2 AX FLAIR 3mm');
  });

  it("refuses text that names one of the object's identifying values, in any case", () => {
    expect(conservativeTextCleaner('Follow-up for Doe', ['DOE', 'JOHN'])).toBeUndefined();
  });

  it('refuses long numbers, written dates and e-mail addresses', () => {
    expect(conservativeTextCleaner('MRN 4477120', [])).toBeUndefined();
    expect(conservativeTextCleaner('prior 12/03/2024', [])).toBeUndefined();
    expect(conservativeTextCleaner('call jane@example.org', [])).toBeUndefined();
  });
});
