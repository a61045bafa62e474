import { describe, expect, it } from 'vitest';
import { cssUrl } from './css';

describe('cssUrl', () => {
  it('keeps plain paths and neutralises quotes and brackets', () => {
    expect(cssUrl('/files/abc/sheet.webp')).toBe('url("/files/abc/sheet.webp")');
    expect(cssUrl('/x");background:red;("')).toBe('url("/x%22%29;background:red;%28%22")');
  });
});
