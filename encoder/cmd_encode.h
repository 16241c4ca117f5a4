/* cmd_encode.h - `skylapse-encoder encode`: the video pipeline from the
 * command line, for a folder of JPEGs.
 *
 *   skylapse-encoder encode --input DIR --output FILE [--fps N] [--width W]
 *       [--crf C] [--preset P] [--codec C] [--deflicker[=WINDOW]] ...
 *
 * Frames are the folder's .jpg files in name order. Settings are checked by
 * the same rules as MQTT jobs. A progress bar goes to stderr when it is a
 * terminal; a JSON summary goes to stdout. Exit 0 done, 1 bad usage,
 * 2 failure.
 */
#ifndef SKYLAPSE_ENCODER_CMD_ENCODE_H
#define SKYLAPSE_ENCODER_CMD_ENCODE_H

/* argv[0] is "encode". Returns the exit code. */
int cmd_encode(int argc, char **argv);

#endif
