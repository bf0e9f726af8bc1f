#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace colima::util {

// The text without leading and trailing ASCII white space.
std::string trim(std::string_view text);

// The text in ASCII lower case.
std::string to_lower(std::string_view text);

// The pieces of text between separators; empty pieces are kept. At most max_pieces pieces
// when given (the last one holds the rest).
std::vector<std::string> split(std::string_view text, char separator, std::size_t max_pieces = 0);

// The text with each control character (newline, tab, escape...) written as \xNN, so that a
// value quoted in a message stays on one line and cannot move the terminal's cursor.
std::string printable(std::string_view text);

// The words joined with the separator.
std::string join(const std::vector<std::string>& words, std::string_view separator);

// The number of single-character edits that turn one text into the other.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to value when it is close enough to be a likely typo.
std::optional<std::string> nearest(std::string_view value,
                                   const std::vector<std::string>& candidates);

// ", did you mean 'x'?" for the nearest candidate, or an empty text.
std::string did_you_mean(std::string_view value, const std::vector<std::string>& candidates);

// The words of a command line as a POSIX shell splits them, without any expansion: blanks
// separate words; 'single quotes' keep everything; "double quotes" keep everything but a
// backslash before " \ $ ` or a newline; a backslash outside quotes keeps the next character.
// nullopt when a quote is not closed.
std::optional<std::vector<std::string>> split_shell_words(std::string_view text);

// The bytes as base64 (RFC 4648, with padding, on one line).
std::string base64(std::string_view bytes);

// True when the text holds a byte below 0x20 or 0x7f.
bool has_control_character(std::string_view text);

} // namespace colima::util
