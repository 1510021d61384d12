import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_KM, distanceKm, isValidPoint } from './distance.js';

const frankfurt = { lat: 50.11, lon: 8.68 };
const ashburn = { lat: 38.95, lon: -77.45 };
const singapore = { lat: 1.35, lon: 103.82 };
const sydney = { lat: -33.87, lon: 151.21 };
const london = { lat: 51.51, lon: -0.13 };
const paris = { lat: 48.86, lon: 2.35 };

/** within `pct` percent of `expected` */
function near(got: number, expected: number, pct: number): void {
  expect(Math.abs(got - expected) / expected).toBeLessThan(pct / 100);
}

describe('distanceKm', () => {
  it.each([
    ['Frankfurt–Ashburn', frankfurt, ashburn, 6500, 1],
    ['London–Paris', london, paris, 344, 1],
    ['Frankfurt–Singapore', frankfurt, singapore, 10_260, 1],
    ['Singapore–Sydney', singapore, sydney, 6_300, 1],
  ])('%s ≈ %i km', (_name, a, b, km, pct) => {
    near(distanceKm(a, b), km, pct);
  });

  it('is symmetric', () => {
    expect(distanceKm(frankfurt, ashburn)).toBeCloseTo(distanceKm(ashburn, frankfurt), 9);
  });

  it('is 0 from a point to itself', () => {
    expect(distanceKm(frankfurt, frankfurt)).toBe(0);
    expect(distanceKm({ lat: 90, lon: 0 }, { lat: 90, lon: 123 })).toBeCloseTo(0, 9);
  });

  it('is half the circumference between antipodes', () => {
    const half = Math.PI * EARTH_RADIUS_KM;
    expect(distanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 180 })).toBeCloseTo(half, 6);
    expect(distanceKm({ lat: 90, lon: 0 }, { lat: -90, lon: 0 })).toBeCloseTo(half, 6);
    expect(distanceKm(frankfurt, { lat: -frankfurt.lat, lon: frankfurt.lon - 180 })).toBeCloseTo(half, 6);
  });

  it('takes the short way across the antimeridian', () => {
    near(distanceKm({ lat: 0, lon: 179.5 }, { lat: 0, lon: -179.5 }), 111.2, 0.5);
  });
});

describe('isValidPoint', () => {
  it.each([
    [0, 0, true],
    [90, 180, true],
    [-90, -180, true],
    [90.1, 0, false],
    [0, -180.5, false],
    [Number.NaN, 0, false],
    [0, Number.POSITIVE_INFINITY, false],
    ['50', 8, false],
  ])('(%s, %s) → %s', (lat, lon, ok) => {
    expect(isValidPoint(lat, lon)).toBe(ok);
  });
});
