/**
 * Calendar decisions (handlers/shared/calendar.ts) over real dates: open/closed at the edges of
 * the working day, a Japanese holiday on a weekday, a substitute holiday, a company-closed day,
 * Asia/Tokyo (no DST) and Europe/London across the March 2027 DST change, and the next opening.
 * Holiday facts are the @holiday-jp/holiday_jp data (2027-01-11 成人の日, 2027-03-22 振替休日
 * for 春分の日 on Sunday 2027-03-21); London's 2027 change is Sunday 28 March, 01:00 UTC.
 * The last block builds its calendars from the stack config's own form (config/calendars.ts
 * parseCalendar: `hours: { mon-fri: "09:00-18:00" }`), so the parsing and the decisions are proved
 * together; it adds the Wednesday substitute holiday 2026-05-06 (こどもの日 振替休日), the
 * year-end closure after Friday 2026-12-25, and London's Saturday/Sunday either side of the change.
 * Does NOT prove: that Node's tz database matches the one the Lambda runtime ships, or that the
 * library's future-year data matches what the Cabinet Office finally publishes.
 */
import { strict as assert } from "node:assert";
import {
  CalendarRangeError,
  holidayYears,
  isOpen,
  nextOpening,
  upcomingClosures,
  type Calendar,
} from "../../handlers/shared/calendar";
import { parseCalendar } from "../../config/calendars";

const NINE_TO_SIX = [{ start: 540, end: 1080 }];
const weekdays = (ranges: { start: number; end: number }[]) => [
  ranges,
  ranges,
  ranges,
  ranges,
  ranges,
  [],
  [],
];

const tokyo: Calendar = {
  timeZone: "Asia/Tokyo",
  week: weekdays(NINE_TO_SIX),
  holidays: ["jp"],
  closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
};
const london: Calendar = {
  timeZone: "Europe/London",
  week: weekdays(NINE_TO_SIX),
  holidays: [],
  closed: [],
};

describe("calendar isOpen (real dates)", () => {
  const rows: [string, Calendar, string, boolean][] = [
    // Asia/Tokyo is UTC+9 all year.
    ["Tokyo Tue 2027-01-12 08:59 local", tokyo, "2027-01-11T23:59:00Z", false],
    ["Tokyo Tue 2027-01-12 09:00 local", tokyo, "2027-01-12T00:00:00Z", true],
    ["Tokyo Tue 2027-01-12 17:59 local", tokyo, "2027-01-12T08:59:00Z", true],
    ["Tokyo Tue 2027-01-12 18:00 local", tokyo, "2027-01-12T09:00:00Z", false],
    ["Tokyo Mon 2027-01-11 12:00 (Coming of Age Day)", tokyo, "2027-01-11T03:00:00Z", false],
    ["Tokyo Mon 2027-03-22 12:00 (substitute holiday)", tokyo, "2027-03-22T03:00:00Z", false],
    ["Tokyo Tue 2026-12-29 12:00 (company closed)", tokyo, "2026-12-29T03:00:00Z", false],
    ["Tokyo Mon 2026-12-28 12:00 (working day)", tokyo, "2026-12-28T03:00:00Z", true],
    ["Tokyo Sat 2027-01-09 12:00", tokyo, "2027-01-09T03:00:00Z", false],
    // Europe/London: GMT (UTC+0) until Sun 2027-03-28 01:00 UTC, then BST (UTC+1).
    ["London Fri 2027-03-26 08:59 GMT", london, "2027-03-26T08:59:00Z", false],
    ["London Fri 2027-03-26 09:00 GMT", london, "2027-03-26T09:00:00Z", true],
    ["London Fri 2027-03-26 17:59 GMT", london, "2027-03-26T17:59:00Z", true],
    ["London Fri 2027-03-26 18:00 GMT", london, "2027-03-26T18:00:00Z", false],
    ["London Mon 2027-03-29 08:59 BST", london, "2027-03-29T07:59:00Z", false],
    ["London Mon 2027-03-29 09:00 BST", london, "2027-03-29T08:00:00Z", true],
    ["London Mon 2027-03-29 17:59 BST", london, "2027-03-29T16:59:00Z", true],
    ["London Mon 2027-03-29 18:00 BST", london, "2027-03-29T17:00:00Z", false],
  ];
  for (const [title, calendar, instant, open] of rows) {
    it(`${title}: ${open ? "open" : "closed"}`, () => {
      assert.equal(isOpen(calendar, new Date(instant)), open);
    });
  }
});

describe("calendar nextOpening (defer)", () => {
  const rows: [string, Calendar, string, string][] = [
    [
      "Tokyo Fri 2027-01-15 18:01 → Mon 2027-01-18 09:00",
      tokyo,
      "2027-01-15T09:01:00Z",
      "2027-01-18T00:00:00.000Z",
    ],
    [
      "Tokyo Fri 2027-01-08 18:01 → Tue 2027-01-12 09:00 (Mon is Coming of Age Day)",
      tokyo,
      "2027-01-08T09:01:00Z",
      "2027-01-12T00:00:00.000Z",
    ],
    [
      "Tokyo Fri 2027-03-19 18:01 → Tue 2027-03-23 09:00 (Mon is a substitute holiday)",
      tokyo,
      "2027-03-19T09:01:00Z",
      "2027-03-23T00:00:00.000Z",
    ],
    [
      "Tokyo Mon 2026-12-28 18:01 → Mon 2027-01-04 09:00 (company closed, New Year's Day, weekend)",
      tokyo,
      "2026-12-28T09:01:00Z",
      "2027-01-04T00:00:00.000Z",
    ],
    [
      "Tokyo Tue 2027-01-12 08:59 → 09:00 the same day",
      tokyo,
      "2027-01-11T23:59:00Z",
      "2027-01-12T00:00:00.000Z",
    ],
    [
      "Tokyo open at 10:00 → that instant",
      tokyo,
      "2027-01-12T01:00:00Z",
      "2027-01-12T01:00:00.000Z",
    ],
    [
      "London Fri 2027-03-26 18:01 GMT → Mon 2027-03-29 09:00 BST (08:00 UTC)",
      london,
      "2027-03-26T18:01:00Z",
      "2027-03-29T08:00:00.000Z",
    ],
  ];
  for (const [title, calendar, instant, expected] of rows) {
    it(title, () => {
      assert.equal(nextOpening(calendar, new Date(instant)).toISOString(), expected);
    });
  }
});

describe("calendar holiday data range", () => {
  it("the library covers 1970-2050 (@holiday-jp/holiday_jp 2.5.1)", () => {
    assert.deepEqual(holidayYears(), { first: 1970, last: 2050 });
  });
  it("a date past the data throws CalendarRangeError, never a silent working day", () => {
    assert.throws(
      () => isOpen(tokyo, new Date("2051-01-10T03:00:00Z")),
      (err: unknown) =>
        err instanceof CalendarRangeError &&
        err.message ===
          "no Japanese holiday data for 2051: @holiday-jp/holiday_jp covers 1970-2050; update the library",
    );
  });
  it("a calendar without holidays answers past the data", () => {
    assert.equal(isOpen(london, new Date("2051-01-10T10:00:00Z")), true);
  });
  it("upcoming closures from 2026-12-24 list the company days off, then New Year's Day", () => {
    assert.deepEqual(upcomingClosures(tokyo, new Date("2026-12-24T00:00:00Z"), 5), [
      { date: "2026-12-29", ja: "会社休業日", en: "company closed" },
      { date: "2026-12-30", ja: "会社休業日", en: "company closed" },
      { date: "2026-12-31", ja: "会社休業日", en: "company closed" },
      { date: "2027-01-01", ja: "元日", en: "New Year's Day" },
      { date: "2027-01-11", ja: "成人の日", en: "Coming of Age Day" },
    ]);
  });
});

describe("calendar from the stack config's form (config/calendars.ts parseCalendar) over real dates", () => {
  const PLAN_CLOCK = new Date("2026-12-02T00:00:00Z");
  const parsed = (raw: unknown): Calendar => {
    const { calendar, problems } = parseCalendar(raw, PLAN_CLOCK);
    assert.deepEqual(problems, []);
    assert.ok(calendar);
    return calendar;
  };
  const office = parsed({
    timeZone: "Asia/Tokyo",
    hours: { "mon-fri": "09:00-18:00" },
    holidays: ["jp"],
    closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
  });
  // Open every day, so the Saturday before and the Sunday of the change compare directly.
  const londonDaily = parsed({ timeZone: "Europe/London", hours: { "mon-sun": "09:00-18:00" } });

  it("parses the issue's office calendar into Mon-Fri 540-1080 minutes, jp, the three closed days", () => {
    const day = [{ start: 540, end: 1080 }];
    assert.deepEqual(office, {
      timeZone: "Asia/Tokyo",
      week: [day, day, day, day, day, [], []],
      holidays: ["jp"],
      closed: ["2026-12-29", "2026-12-30", "2026-12-31"],
    });
  });

  const open: [string, Calendar, string, boolean][] = [
    [
      "Tokyo Wed 2026-05-06 10:00 (こどもの日 振替休日, a weekday)",
      office,
      "2026-05-06T01:00:00Z",
      false,
    ],
    ["Tokyo Thu 2026-05-07 09:00 (the day after)", office, "2026-05-07T00:00:00Z", true],
    ["Tokyo Mon 2027-01-11 09:00 (成人の日)", office, "2027-01-11T00:00:00Z", false],
    ["Tokyo Tue 2027-01-12 08:59", office, "2027-01-11T23:59:00Z", false],
    ["Tokyo Tue 2027-01-12 09:00", office, "2027-01-12T00:00:00Z", true],
    ["Tokyo Tue 2027-01-12 17:59", office, "2027-01-12T08:59:00Z", true],
    ["Tokyo Tue 2027-01-12 18:00", office, "2027-01-12T09:00:00Z", false],
    ["Tokyo Wed 2026-12-30 10:00 (company closed)", office, "2026-12-30T01:00:00Z", false],
    ["Tokyo Fri 2027-01-01 10:00 (元日, a Friday)", office, "2027-01-01T01:00:00Z", false],
    // 09:00 local either side of Sun 2027-03-28 01:00 UTC: 09:00Z (GMT) the day before, 08:00Z (BST) on the day.
    ["London Sat 2027-03-27 08:59 GMT", londonDaily, "2027-03-27T08:59:00Z", false],
    ["London Sat 2027-03-27 09:00 GMT = 09:00Z", londonDaily, "2027-03-27T09:00:00Z", true],
    ["London Sun 2027-03-28 08:59 BST = 07:59Z", londonDaily, "2027-03-28T07:59:00Z", false],
    ["London Sun 2027-03-28 09:00 BST = 08:00Z", londonDaily, "2027-03-28T08:00:00Z", true],
    ["London Sun 2027-03-28 17:59 BST = 16:59Z", londonDaily, "2027-03-28T16:59:00Z", true],
    ["London Sun 2027-03-28 18:00 BST = 17:00Z", londonDaily, "2027-03-28T17:00:00Z", false],
  ];
  for (const [title, calendar, instant, expected] of open) {
    it(`isOpen ${title}: ${expected ? "open" : "closed"}`, () => {
      assert.equal(isOpen(calendar, new Date(instant)), expected);
    });
  }

  const next: [string, Calendar, string, string][] = [
    [
      "Tokyo Fri 2026-12-25 18:01 → Mon 2026-12-28 09:00 (the last working day before the closure)",
      office,
      "2026-12-25T09:01:00Z",
      "2026-12-28T00:00:00.000Z",
    ],
    [
      "Tokyo Thu 2026-12-31 23:59 (closed) → Mon 2027-01-04 09:00 (元日 Friday, then the weekend)",
      office,
      "2026-12-31T14:59:00Z",
      "2027-01-04T00:00:00.000Z",
    ],
    [
      "Tokyo Tue 2026-05-05 08:59 (こどもの日) → Thu 2026-05-07 09:00 (Wed is its substitute holiday)",
      office,
      "2026-05-04T23:59:00Z",
      "2026-05-07T00:00:00.000Z",
    ],
    [
      "Tokyo Mon 2027-01-11 10:00 (成人の日) → Tue 2027-01-12 09:00",
      office,
      "2027-01-11T01:00:00Z",
      "2027-01-12T00:00:00.000Z",
    ],
    [
      "London Sat 2027-03-27 18:01 GMT → Sun 2027-03-28 09:00 BST = 08:00Z (an hour earlier in UTC)",
      londonDaily,
      "2027-03-27T18:01:00Z",
      "2027-03-28T08:00:00.000Z",
    ],
    [
      "London Sun 2027-03-28 00:59Z (before the change) → 08:00Z the same day",
      londonDaily,
      "2027-03-28T00:59:00Z",
      "2027-03-28T08:00:00.000Z",
    ],
  ];
  for (const [title, calendar, instant, expected] of next) {
    it(`nextOpening ${title}`, () => {
      assert.equal(nextOpening(calendar, new Date(instant)).toISOString(), expected);
    });
  }

  it("a deferral that would cross into 2051 (Fri 2050-12-30 18:01 JST) throws the range error, never guesses a working day", () => {
    assert.throws(
      () => nextOpening(office, new Date("2050-12-30T09:01:00Z")),
      (err: unknown) =>
        err instanceof CalendarRangeError &&
        err.message ===
          "no Japanese holiday data for 2051: @holiday-jp/holiday_jp covers 1970-2050; update the library",
    );
  });
});
