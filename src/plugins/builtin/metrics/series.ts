// Our own aggregation, in the OpenTelemetry SDK's data model. The SDK's synchronous instruments hash
// the attribute object on every update (sort the keys, JSON.stringify), about 1 µs per update and 10
// updates per request; here a request resolves its cells once per label set (see recorder.ts) and an
// update is a number increment. The SDK still does the exposition: a MetricProducer hands these
// series to its MetricReader when /metrics is scraped, and its Prometheus serializer writes the text.
import { ValueType, type Attributes, type HrTime } from "@opentelemetry/api";
import { AggregationTemporality, DataPointType, type MetricData } from "@opentelemetry/sdk-metrics";

/** The SDK's default per-instrument cardinality limit; later label sets share one overflow series. */
export const CARDINALITY_LIMIT = 2000;
const OVERFLOW_KEY = "\u0000overflow";
const OVERFLOW_ATTRIBUTES: Attributes = { "otel.metric.overflow": true };

export interface MetricInfo {
  name: string;
  description: string;
  unit?: string;
}

export interface SumCell {
  value: number;
}

export class HistogramCell {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly counts: number[];

  constructor(private readonly boundaries: readonly number[]) {
    this.counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  /** Same bucketing as the SDK: the first bucket whose upper bound is ≥ the value. */
  record(value: number): void {
    if (Number.isNaN(value)) return;
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const b = this.boundaries;
    let i = 0;
    while (i < b.length && b[i]! < value) i++;
    this.counts[i]!++;
  }
}

/** One metric: its cells by label-set key, in first-seen order (the order /metrics lists them). */
abstract class Series<C> {
  protected readonly cells = new Map<string, { attributes: Attributes; cell: C }>();

  constructor(readonly info: MetricInfo) {}

  /** The cell for a label set; `attributes` is called only the first time the key is seen. */
  cell(key: string, attributes: () => Attributes): C {
    const hit = this.cells.get(key);
    if (hit !== undefined) return hit.cell;
    if (this.cells.size >= CARDINALITY_LIMIT) return this.cell(OVERFLOW_KEY, () => OVERFLOW_ATTRIBUTES);
    const cell = this.create();
    this.cells.set(key, { attributes: attributes(), cell });
    return cell;
  }

  protected abstract create(): C;
  abstract toMetricData(start: HrTime, end: HrTime): MetricData | undefined;

  protected descriptor() {
    return { name: this.info.name, description: this.info.description, unit: this.info.unit ?? "", valueType: ValueType.DOUBLE };
  }
}

export class SumSeries extends Series<SumCell> {
  constructor(info: MetricInfo, private readonly monotonic: boolean) {
    super(info);
  }

  protected create(): SumCell {
    return { value: 0 };
  }

  toMetricData(startTime: HrTime, endTime: HrTime): MetricData | undefined {
    if (this.cells.size === 0) return undefined;
    return {
      descriptor: this.descriptor(),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.SUM,
      isMonotonic: this.monotonic,
      dataPoints: [...this.cells.values()].map(({ attributes, cell }) => ({ startTime, endTime, attributes, value: cell.value })),
    };
  }
}

export class HistogramSeries extends Series<HistogramCell> {
  constructor(info: MetricInfo, private readonly boundaries: readonly number[]) {
    super(info);
  }

  protected create(): HistogramCell {
    return new HistogramCell(this.boundaries);
  }

  toMetricData(startTime: HrTime, endTime: HrTime): MetricData | undefined {
    if (this.cells.size === 0) return undefined;
    return {
      descriptor: this.descriptor(),
      aggregationTemporality: AggregationTemporality.CUMULATIVE,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: [...this.cells.values()].map(({ attributes, cell }) => ({
        startTime, endTime, attributes,
        value: {
          buckets: { boundaries: [...this.boundaries], counts: [...cell.counts] },
          count: cell.count, sum: cell.sum,
          ...(cell.count > 0 ? { min: cell.min, max: cell.max } : {}),
        },
      })),
    };
  }
}
