"use client";

import { useTranslations } from "next-intl";

import { Field, SelectField } from "@/components/ui/Field";
import { Panel } from "@/components/ui/Panel";
import { QueryView } from "@/components/ui/States";
import { useBusinessTimeZone } from "@/contexts/shop";
import { useAddressFilters } from "@/lib/addressFilters";
import { businessToday, dateRangeProblem, type DateRangeProblem } from "@/lib/dates";

import { parsePeriodFilters, periodFiltersQuery, periodOf, presetFilters, presetOf, PRESET_PERIOD_DAYS, type Period } from "./period";
import { useDailyStats, useTopProducts } from "./queries";
import { TopProducts } from "./TopProducts";
import { TrendChart } from "./TrendChart";

const CUSTOM = "custom";

interface PeriodPickerProps {
  period: Period;
  today: string;
  problem: DateRangeProblem | null;
  onChange(period: Period): void;
}

/** The last 7, 30 or 90 days in one choice, or any period by its first and last days. */
function PeriodPicker({ period, today, problem, onChange }: PeriodPickerProps) {
  const t = useTranslations("dashboard.trends");
  const errors = useTranslations("common.errors");
  const preset = presetOf(period, today);
  const problemText = {
    invalid: t("invalidPeriod"),
    reversed: errors("date_range_reversed"),
    tooLong: errors("date_range_too_long"),
  };
  return (
    <fieldset className="grid grid-cols-1 gap-3 sm:grid-cols-3 sm:items-start">
      <legend className="sr-only">{t("periodLegend")}</legend>
      <SelectField
        label={t("preset")}
        value={preset === null ? CUSTOM : String(preset)}
        onChange={(event) => onChange(periodOf(presetFilters(Number(event.target.value), today), today))}
        options={[
          ...PRESET_PERIOD_DAYS.map((days) => ({ value: String(days), label: t("lastDays", { days }) })),
          // Shown while the dates are not a preset; chosen by changing them.
          ...(preset === null ? [{ value: CUSTOM, label: t("custom") }] : []),
        ]}
      />
      <Field type="date" label={t("from")} value={period.from} onChange={(event) => onChange({ ...period, from: event.target.value })} />
      <Field
        type="date"
        label={t("to")}
        value={period.to}
        error={problem && problemText[problem]}
        onChange={(event) => onChange({ ...period, to: event.target.value })}
      />
    </fieldset>
  );
}

/** Orders, revenue and best sellers over a period of business days, the last 30 by default. */
export function Trends() {
  const t = useTranslations("dashboard");
  const today = businessToday(useBusinessTimeZone());
  const { filters, update } = useAddressFilters({ path: "/dashboard", parse: parsePeriodFilters, toQuery: periodFiltersQuery });
  const period = periodOf(filters, today);
  const problem = dateRangeProblem(period.from, period.to);
  const daily = useDailyStats(period, { enabled: problem === null });
  const top = useTopProducts(period, { enabled: problem === null });

  function choose(chosen: Period) {
    const preset = presetOf(chosen, today);
    // A preset reads as one in the address; the default period leaves it bare.
    update(preset === null ? chosen : presetFilters(preset, today));
  }

  return (
    <>
      <Panel title={t("trends.title")}>
        <PeriodPicker period={period} today={today} problem={problem} onChange={choose} />
        {problem === null && <QueryView query={daily}>{(stats) => <TrendChart stats={stats} />}</QueryView>}
      </Panel>
      {problem === null && (
        <Panel title={t("topProducts.title")}>
          <QueryView query={top} isEmpty={(found) => found.by_quantity.length === 0} empty={t("topProducts.empty")}>
            {(found) => <TopProducts top={found} />}
          </QueryView>
        </Panel>
      )}
    </>
  );
}
