#pragma once
#include <nlohmann/json.hpp>

#include <memory>
#include <ostream>

#include "memwall/report/format.hpp"

namespace memwall::report {

class RowSink;

// Writes bench records as they arrive, one row per record, for the console while a sweep runs.
//   table  aligned text; fixed column widths (text columns sized from the first row of a section)
//   md     a GitHub table; csv: flat columns, header once, RFC 4180 quoting
//   jsonl  each record as one line; json and html: everything at finish()
// table and md print a new header when the kind of test changes between engine-level (pp, tg) and
// serving (serve), each kind with its own columns. Predicted columns appear when the first record
// of a section carries a prediction. Rows are flushed as they are written.
class RowWriter {
 public:
  RowWriter(Format format, std::ostream& out);
  ~RowWriter();
  RowWriter(const RowWriter&) = delete;
  RowWriter& operator=(const RowWriter&) = delete;

  void add(const nlohmann::json& record);
  // Ends the output: json writes its array, html its page; csv writes its header if no record
  // came (table and md write nothing then). Call it once; nothing may be added after.
  void finish();

 private:
  std::unique_ptr<RowSink> sink_;
};

}  // namespace memwall::report
