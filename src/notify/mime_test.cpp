#include "notify/mime.hpp"

#include <gtest/gtest.h>

namespace dfauth::notify {
namespace {

TEST(Mime, DateIsRfc5322) {
  EXPECT_EQ(FormatEmailDate(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(FormatEmailDate(1700000000), "Tue, 14 Nov 2023 22:13:20 +0000");
}

TEST(Mime, MultipartAlternativeWithAsciiPartsIn7bit) {
  EmailContent e;
  e.from = "Auth <auth@example.com>";
  e.to = "bob@x.io";
  e.subject = "Your sign-in code";
  e.text = "Code:\n\n872866\n";
  e.html = "<p>872866</p>";
  e.date = 0;
  e.message_id = "1.ab@example.com";
  e.boundary = "BOUND";
  EXPECT_EQ(FormatEmail(e),
            "From: Auth <auth@example.com>\r\n"
            "To: bob@x.io\r\n"
            "Subject: Your sign-in code\r\n"
            "Date: Thu, 01 Jan 1970 00:00:00 +0000\r\n"
            "Message-ID: <1.ab@example.com>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/alternative; boundary=\"BOUND\"\r\n"
            "\r\n"
            "--BOUND\r\n"
            "Content-Type: text/plain; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "Code:\r\n\r\n872866\r\n"
            "\r\n--BOUND\r\n"
            "Content-Type: text/html; charset=\"utf-8\"\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "<p>872866</p>"
            "\r\n--BOUND--\r\n");
}

TEST(Mime, NonAsciiSubjectAndBodyAreEncoded) {
  EmailContent e;
  e.from = "a@b.c";
  e.to = "x@y.z\r\nBcc: evil@z";  // header injection is flattened
  e.subject = "Code f\xc3\xbcr dich";
  e.text = "Gr\xc3\xbc\xc3\x9f""e a=b";
  e.message_id = "m@b.c";
  std::string out = FormatEmail(e);
  EXPECT_NE(out.find("To: x@y.z  Bcc: evil@z\r\n"), std::string::npos);
  EXPECT_NE(out.find("Subject: =?UTF-8?B?Q29kZSBmw7xyIGRpY2g=?=\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Type: text/plain; charset=\"utf-8\"\r\n"
                     "Content-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe a=3Db"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("multipart"), std::string::npos);
}

TEST(Mime, QuotedPrintableWrapsLongLinesAndTrailingSpace) {
  std::string line(100, 'a');
  EXPECT_EQ(QuotedPrintable(line), std::string(75, 'a') + "=\r\n" + std::string(25, 'a'));
  EXPECT_EQ(QuotedPrintable("a \r\nb "), "a=20\r\nb=20");
}

}  // namespace
}  // namespace dfauth::notify
