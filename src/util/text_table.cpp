#include "memwall/util/text_table.hpp"

#include <algorithm>
#include <cctype>

namespace memwall {
namespace {

bool looks_numeric(const std::string& cell) {
  if (cell.empty()) return false;
  const unsigned char first = static_cast<unsigned char>(cell[0]);
  return std::isdigit(first) || ((cell[0] == '-' || cell[0] == '+') && cell.size() > 1 &&
                                 std::isdigit(static_cast<unsigned char>(cell[1])));
}

}  // namespace

std::string TextTable::render(int indent) const {
  std::vector<std::size_t> widths(header_.size(), 0);
  const auto widen = [&](const std::vector<std::string>& row) {
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  };
  widen(header_);
  for (const auto& row : rows_) widen(row);

  std::string out;
  const auto emit = [&](const std::vector<std::string>& row, bool header) {
    out.append(static_cast<std::size_t>(indent), ' ');
    for (std::size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      const std::string pad(widths[c] - cell.size(), ' ');
      const bool right = !header && looks_numeric(cell);
      out += right ? pad + cell : cell + (c + 1 < widths.size() ? pad : "");
      if (c + 1 < widths.size()) out += "  ";
    }
    out += '\n';
  };
  emit(header_, true);
  std::size_t total = 0;
  for (std::size_t w : widths) total += w + 2;
  out.append(static_cast<std::size_t>(indent), ' ');
  out.append(total >= 2 ? total - 2 : 0, '-');
  out += '\n';
  for (const auto& row : rows_) emit(row, false);
  return out;
}

}  // namespace memwall
