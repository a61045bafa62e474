import { describe, expect, it } from 'vitest';
import { ClockSync } from './clock';

describe('ClockSync', () => {
  it('is zero without samples', () => {
    expect(new ClockSync().offset).toBe(0);
  });

  it('uses the midpoint of the round trip', () => {
    const c = new ClockSync();
    c.add(1000, 6010, 1020); // server is 5000 ms ahead, 20 ms RTT
    expect(c.offset).toBe(5000);
    expect(c.rtt).toBe(20);
  });

  it('prefers low-RTT samples over slow, asymmetric ones', () => {
    const c = new ClockSync();
    c.add(0, 5010, 20);
    c.add(100, 5110, 120);
    c.add(200, 5210, 220);
    // A slow sample whose reply sat in a queue: its midpoint is off by 400 ms.
    c.add(300, 5310, 1100);
    c.add(1200, 6210, 1220);
    c.add(1300, 6050, 2100);
    expect(c.offset).toBe(5000);
  });

  it('ignores nonsense and forgets old samples', () => {
    const c = new ClockSync(2);
    c.add(10, 100, 5);
    expect(c.count).toBe(0);
    c.add(0, 1000, 10);
    c.add(0, 2000, 10);
    c.add(0, 3000, 10);
    expect(c.count).toBe(2);
    expect(c.offset).toBe(1995);
  });
});
