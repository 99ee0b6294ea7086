#include "memwall/report/row_writer.hpp"

#include "sink.hpp"

namespace memwall::report {

RowWriter::RowWriter(Format format, std::ostream& out) : sink_(make_sink(format, out, {})) {}

RowWriter::~RowWriter() = default;

void RowWriter::add(const nlohmann::json& record) { sink_->add(record); }

void RowWriter::finish() { sink_->finish(); }

}  // namespace memwall::report
