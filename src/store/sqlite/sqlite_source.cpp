#include "store/sqlite/sqlite_source.hpp"

#include "store/sqlite/connection.hpp"

namespace dfauth::store::sqlite {
namespace {

/// `path` as a `file:` URI with mode=ro (the characters URIs reserve escaped).
std::string ReadOnlyUri(const std::string& path) {
  static const char* hex = "0123456789ABCDEF";
  std::string uri = "file:";
  for (char c : path) {
    if (c == '?' || c == '#' || c == '%') {
      uri += '%';
      uri += hex[static_cast<unsigned char>(c) >> 4];
      uri += hex[static_cast<unsigned char>(c) & 15];
    } else {
      uri += c;
    }
  }
  return uri + "?mode=ro";
}

class SqliteSource final : public Source {
 public:
  // "in memory" here only means: do not switch the journal to WAL (that would write).
  explicit SqliteSource(const std::string& path) : connection_(ReadOnlyUri(path), /*uri=*/true, /*in_memory=*/true) {
    Tables();  // a file that is not SQLite fails here, not half-way through an import
  }

  std::vector<std::string> Tables() override {
    std::vector<std::string> out;
    auto st = connection_.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    while (st.Step()) out.push_back(st.Text(0));
    return out;
  }

  std::set<std::string> Columns(const std::string& table) override {
    std::set<std::string> out;
    auto st = connection_.Prepare("SELECT name FROM pragma_table_info(?1)");
    st.Bind(1, table);
    while (st.Step()) out.insert(st.Text(0));
    return out;
  }

  void Each(const std::string& sql, const std::function<void(const SourceRow&)>& row) override {
    auto st = connection_.Prepare(sql);
    while (st.Step()) {
      std::vector<std::optional<std::string>> values;
      for (int i = 0; i < st.ColumnCount(); ++i) values.push_back(st.OptionalText(i));
      row(SourceRow(std::move(values)));
    }
  }

 private:
  Connection connection_;
};

}  // namespace

std::unique_ptr<Source> OpenSqliteSource(const std::string& path) { return std::make_unique<SqliteSource>(path); }

}  // namespace dfauth::store::sqlite
