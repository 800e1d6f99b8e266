import { type DestinationStream, type Logger, pino } from "pino";
import pretty from "pino-pretty";

export type { Logger } from "pino";

/** Paths pino censors wherever they appear, so a careless log call cannot leak a credential. */
export const REDACT_PATHS = [
	"isg-api-token",
	"*.isg-api-token",
	"headers.isg-api-token",
	"req.headers.isg-api-token",
	"authorization",
	"*.authorization",
	"req.headers.authorization",
	"req.headers.cookie",
	"token",
	"*.token",
	"password",
	"*.password",
	"tokenValue",
	"*.tokenValue",
	"secret",
	"*.secret",
	"sensorConfig.password",
	"sensorConfig.token",
	"*.sensorConfig.password",
	"*.sensorConfig.token",
];

export type LogFormat = "auto" | "json" | "pretty";

/**
 * `auto` is human-readable lines for a person at a terminal (stdout is a TTY, not production) and
 * JSON everywhere else, where a collector reads the logs.
 */
export function resolveLogFormat(
	format: LogFormat,
	context: { nodeEnv: string; isTTY: boolean | undefined },
): "json" | "pretty" {
	if (format !== "auto") return format;
	return context.isTTY === true && context.nodeEnv !== "production" ? "pretty" : "json";
}

export function createLogger(options: {
	level: string;
	name: string;
	destination?: DestinationStream;
	/** JSON when unset. */
	format?: "json" | "pretty";
}): Logger {
	// Redaction happens before formatting, so pretty lines censor exactly what JSON lines do.
	const destination =
		options.format === "pretty"
			? pretty({
					destination: options.destination ?? 1,
					sync: true,
					colorize: options.destination === undefined && process.stdout.isTTY === true,
					translateTime: "HH:MM:ss.l",
					ignore: "pid,hostname",
					singleLine: true,
				})
			: options.destination;
	return pino(
		{
			name: options.name,
			level: options.level,
			redact: { paths: REDACT_PATHS, censor: "[redacted]" },
			timestamp: pino.stdTimeFunctions.isoTime,
		},
		destination,
	);
}

/** The logger of a long-running process, configured from its environment (LOG_LEVEL, LOG_FORMAT, NODE_ENV). */
export function createProcessLogger(
	name: string,
	env: { LOG_LEVEL: string; LOG_FORMAT: LogFormat; NODE_ENV: string },
): Logger {
	return createLogger({
		name,
		level: env.LOG_LEVEL,
		format: resolveLogFormat(env.LOG_FORMAT, { nodeEnv: env.NODE_ENV, isTTY: process.stdout.isTTY }),
	});
}
