/* eslint-disable @typescript-eslint/no-explicit-any -- specs mutate the raw YAML freely */
/**
 * The `calendars` section and `levels.<l>.outsideHours` of the stack config: every error names
 * its path (unknown calendar, bad or overlapping ranges, then = itself or an unknown level, a
 * closed date that is not a date, a time zone Intl does not know), and prod's calendar parses into
 * the Calendar the router gets. Does NOT prove: the router's behaviour with it (router.hours
 * bundle spec) or that the holiday library is right.
 */
import { strict as assert } from "node:assert";
import { parseCalendar } from "../../config/calendars";
import { ConfigError, parseStackConfig } from "../../config/schema";
import { rawConfigFrom } from "../../config/load";
import { readStackFile } from "../../tools/stackFile";
import { join } from "node:path";

const PROD_RAW = rawConfigFrom(
  readStackFile(join(__dirname, "..", "..", "Pulumi.prod.yaml")).config,
).raw;

function issues(mutate: (c: Record<string, any>) => void): string[] {
  const raw = structuredClone(PROD_RAW) as Record<string, any>;
  mutate(raw);
  try {
    parseStackConfig(raw);
  } catch (err: unknown) {
    assert.ok(err instanceof ConfigError);
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail("accepted");
}

describe("config calendars and outsideHours", () => {
  it("prod's office calendar parses into Mon-Fri 09:00-18:00 Asia/Tokyo with jp holidays", () => {
    const cfg = parseStackConfig(structuredClone(PROD_RAW));
    assert.deepEqual(cfg.levels.warning!.outsideHours, { calendar: "office", then: "defer" });
    const { calendar, problems } = parseCalendar(
      cfg.calendars!.office,
      new Date("2026-12-02T00:00:00Z"),
    );
    assert.deepEqual(problems, []);
    const day = [{ start: 540, end: 1080 }];
    assert.deepEqual(calendar, {
      timeZone: "Asia/Tokyo",
      week: [day, day, day, day, day, [], []],
      holidays: ["jp"],
      closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
    });
  });

  const rows: [string, (c: Record<string, any>) => void, string[]][] = [
    [
      "unknown calendar",
      (c) => (c.levels.warning.outsideHours.calendar = "ofice"),
      [
        'levels.warning.outsideHours.calendar: "ofice" is not a calendar; define it under calendars (known: office)',
      ],
    ],
    [
      "then = the level itself",
      (c) => (c.levels.warning.outsideHours.then = "warning"),
      ["levels.warning.outsideHours.then: is the level itself; use notify, defer or another level"],
    ],
    [
      "then = an unknown level",
      (c) => (c.levels.warning.outsideHours.then = "minor"),
      [
        'levels.warning.outsideHours.then: "minor" is neither notify, defer nor a level (levels: critical, warning)',
      ],
    ],
    [
      "a bad range",
      (c) => (c.calendars.office.hours = { "mon-fri": "18:00-09:00" }),
      [
        'calendars.office.hours["mon-fri"]: "18:00-09:00" is not a range "HH:MM-HH:MM" with the end after the start (00:00-24:00)',
      ],
    ],
    [
      "a bad day range",
      (c) => (c.calendars.office.hours = { "fri-mon": "09:00-18:00" }),
      [
        'calendars.office.hours["fri-mon"]: "fri-mon" is not a day or a day range (mon..sun, e.g. mon-fri)',
      ],
    ],
    [
      "overlapping ranges",
      (c) => (c.calendars.office.hours = { "mon-fri": "09:00-18:00", mon: ["17:00-20:00"] }),
      [
        "calendars.office.hours.mon[0]: 17:00-20:00 overlaps 09:00-18:00 (from hours.mon-fri) on mon",
      ],
    ],
    [
      "a closed date that is not a date",
      (c) => (c.calendars.office.closed = ["2026-02-30"]),
      [
        // The house masking hides digit-only-looking values (config/errors.ts maskPersonalData).
        'calendars.office.closed[0]: "<number hidden>" is not a date "YYYY-MM-DD"',
      ],
    ],
    [
      "an unknown time zone",
      (c) => (c.calendars.office.timeZone = "Asia/Tokio"),
      [
        'calendars.office.timeZone: "Asia/Tokio" is not an IANA time zone (e.g. Asia/Tokyo, Europe/London)',
      ],
    ],
  ];
  for (const [title, mutate, expected] of rows) {
    it(`${title}: names the path`, () => {
      assert.deepEqual(issues(mutate), expected);
    });
  }

  it("holiday data must cover this year and the next: 2050 is refused at plan time", () => {
    assert.deepEqual(
      parseCalendar(
        PROD_RAW.calendars && (PROD_RAW.calendars as any).office,
        new Date("2050-06-01T00:00:00Z"),
      ).problems,
      [
        {
          path: ["holidays"],
          message:
            "no Japanese holiday data for 2050-2051: @holiday-jp/holiday_jp covers 1970-2050; update the library",
        },
      ],
    );
  });
});
