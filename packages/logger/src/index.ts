import { type DestinationStream, type Logger, pino } from "pino";

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

export function createLogger(options: { level: string; name: string; destination?: DestinationStream }): Logger {
	return pino(
		{
			name: options.name,
			level: options.level,
			redact: { paths: REDACT_PATHS, censor: "[redacted]" },
			timestamp: pino.stdTimeFunctions.isoTime,
		},
		options.destination,
	);
}
